// Small progressive enhancements; every page works without them.
function setUpMenu() {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    document.documentElement.classList.add("js");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
    });
  }
}

// A deferred script runs once the page is parsed: fold the menu at once rather than after the
// page's other scripts (the live modules) have loaded, so the phone layout never flashes open.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpMenu);
else setUpMenu();

// --- Submit once ---------------------------------------------------------------------------------
// After the first submit a form's buttons are disabled and the one pressed says "Working…", so a
// second tap on a slow link can't send it twice. Forms a script sends itself (the chat) cancel the
// event and are left alone. The Back button may restore a page as it was: its buttons come back.
const WORKING = "Working\u2026";
const SUBMITS = "button:not([type]), button[type=submit], input[type=submit]";

function labelOf(button) {
  return button.tagName === "INPUT" ? button.value : button.textContent;
}

function setLabel(button, text) {
  if (button.tagName === "INPUT") button.value = text;
  else button.textContent = text;
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if (form.dataset.submitting) {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "true";
  const pressed = event.submitter;
  // Only after this event does the browser read the form, the pressed button's name and value
  // included: a button disabled now would be left out, so wait a tick.
  setTimeout(() => {
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll(SUBMITS)) button.disabled = true;
    if (pressed && form.contains(pressed)) {
      pressed.dataset.label = labelOf(pressed);
      setLabel(pressed, WORKING);
    }
  }, 0);
});

window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submitting]")) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll(SUBMITS)) {
      button.disabled = false;
      if (button.dataset.label !== undefined) {
        setLabel(button, button.dataset.label);
        delete button.dataset.label;
      }
    }
  }
});

// --- The platform fee on a bid, as the tutor types ------------------------------------------------
// The same rule as payments.services.commission_for, from the fee box's data attributes: the rate in
// basis points, rounded half up, at least the currency's minimum, never more than the price.
function toMinor(text, digits) {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text.replace(/[,\s]/g, ""));
  if (!match || !(match[1] || match[2])) return null;
  const fraction = (match[2] || "").replace(/0+$/, "");
  if (fraction.length > digits) return null;
  const minor = Number(match[1] || "0") * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

function formatMoney(minor, box) {
  const digits = Number(box.dataset.currencyDigits);
  const places = minor % 10 ** digits === 0 ? 0 : digits; // whole amounts drop the ".00", as on the server
  const text = (minor / 10 ** digits).toLocaleString("en-US", {
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  });
  const symbol = box.dataset.currencySymbol;
  return symbol ? symbol + text : `${text} ${box.dataset.currency}`;
}

function showFee(box, typed) {
  const text = box.querySelector("[data-fee-text]");
  const price = toMinor(typed, Number(box.dataset.currencyDigits));
  if (!price) {
    text.textContent = box.dataset.feeRule;
    return;
  }
  const rate = Number(box.dataset.feeRateBps);
  const fee = Math.min(price, Math.max(Math.floor((price * rate + 5000) / 10000), Number(box.dataset.feeMinimum)));
  const strong = document.createElement("strong");
  strong.textContent = formatMoney(price - fee, box);
  text.replaceChildren("You receive ", strong, ` after the ${formatMoney(fee, box)} platform fee.`);
}

// Delegated: the live bid board may swap the form for a fresh copy at any time.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (!input.id) return;
  const box = document.querySelector(`[data-fee-for="${CSS.escape(input.id)}"]`);
  if (box) showFee(box, input.value);
});
