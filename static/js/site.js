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
