// The conversation page, live: messages arrive without reloading, a message written offline waits
// in the page and goes out on reconnect (its client id makes a re-send harmless), typing, presence
// and read receipts. Without this script the page is a plain form with a refresh link.
import { LiveSocket } from "./socket.js";

const root = document.getElementById("chat");
if (root) startChat(root);

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function startChat(root) {
  const me = Number(root.dataset.me);
  const other = Number(root.dataset.other);
  const log = root.querySelector("#chat-log");
  const form = root.querySelector("[data-chat-form]");
  const textarea = form && form.querySelector("textarea");
  const files = form && form.querySelector("input[type=file]");
  const typingLine = root.querySelector("[data-typing]");
  const connection = root.querySelector("[data-connection]");
  const presence = root.querySelector("[data-presence]");
  const pending = new Map(); // client id -> {text, item}
  let lastSeq = Number(root.dataset.lastSeq);
  let otherRead = 0;
  let typingTimer;
  let lastTypingSent = 0;

  const timeFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });

  function render(message) {
    const mine = message.sender === me;
    const item = element("li", mine ? "msg msg-mine" : "msg");
    item.id = `m${message.seq}`;
    item.dataset.seq = String(message.seq);
    const meta = element("p", "msg-meta");
    meta.append(element("strong", "", message.sender_name), " ");
    const time = element("time", "", timeFormat.format(new Date(message.created_at)));
    time.dateTime = message.created_at;
    meta.append(time);
    item.append(meta);
    if (message.html) {
      const body = element("div", "msg-body prose");
      body.innerHTML = message.html; // sanitised on the server (only harmless tags survive)
      item.append(body);
    }
    if (message.files.length) {
      const list = element("ul", "file-list");
      for (const file of message.files) {
        const link = element("a", "", file.name);
        link.href = file.url;
        const entry = element("li");
        entry.append(link);
        list.append(entry);
      }
      item.append(list);
    }
    if (message.masked) item.append(element("p", "msg-note", "Contact details hidden until payment."));
    if (mine) {
      const receipt = element("p", "msg-receipt", message.seq <= otherRead ? "Seen" : "Sent");
      receipt.dataset.receipt = "";
      item.append(receipt);
    }
    return item;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function append(item) {
    const stick = nearBottom();
    const empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    log.append(item);
    if (stick) log.scrollTop = log.scrollHeight;
  }

  function showMessage(message) {
    if (message.seq <= lastSeq) return; // already shown: a duplicate after a resume
    if (message.seq > lastSeq + 1) {
      socket.send({ type: "resume", after: lastSeq }); // a gap: ask for what is missing, in order
      return;
    }
    lastSeq = message.seq;
    const queued = message.sender === me && pending.get(message.client_id);
    if (queued) {
      pending.delete(message.client_id);
      queued.item.replaceWith(render(message));
    } else {
      append(render(message));
    }
    if (message.sender !== me) {
      typingLine.textContent = "";
      markRead();
    }
  }

  function markRead() {
    if (document.visibilityState === "visible" && lastSeq) socket.send({ type: "read", seq: lastSeq });
  }

  function showReceipts(seq) {
    otherRead = Math.max(otherRead, seq);
    for (const item of log.querySelectorAll(".msg-mine[data-seq]")) {
      const receipt = item.querySelector("[data-receipt]");
      if (receipt && Number(item.dataset.seq) <= otherRead) receipt.textContent = "Seen";
    }
  }

  function showState(state) {
    const text = {
      online: "",
      offline: "Connection lost. Reconnecting… Messages you write now are sent when it is back.",
      refused: "This conversation is not available to you. Reload the page.",
    }[state];
    connection.textContent = text;
    connection.hidden = !text;
    if (state !== "online") presence.hidden = true;
  }

  function flushQueue() {
    for (const [clientId, entry] of pending) socket.send({ type: "message", client_id: clientId, text: entry.text });
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "ready":
        if (frame.read) showReceipts(frame.read[String(other)] || 0);
        flushQueue();
        markRead();
        break;
      case "message":
        showMessage(frame.message);
        break;
      case "ack":
        if (frame.notice) showNotice(frame.notice);
        break;
      case "error":
        showError(frame);
        break;
      case "typing":
        typingLine.textContent = `${frame.name} is typing…`;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => (typingLine.textContent = ""), 4000);
        break;
      case "presence":
        if (frame.user === other) presence.hidden = !frame.online;
        break;
      case "read":
        if (frame.user === other) showReceipts(frame.seq);
        break;
    }
  }

  function showNotice(text) {
    connection.textContent = text;
    connection.hidden = false;
  }

  function showError(frame) {
    const entry = frame.client_id && pending.get(frame.client_id);
    if (!entry) {
      showNotice(frame.message);
      return;
    }
    if (frame.code === "rate_limited") {
      entry.item.querySelector("[data-receipt]").textContent = "Waiting: sending too fast…";
      setTimeout(flushQueue, 5000);
      return;
    }
    pending.delete(frame.client_id);
    entry.item.classList.add("msg-failed");
    entry.item.querySelector("[data-receipt]").textContent = `Not sent: ${frame.message}`;
  }

  function queue(text) {
    const clientId = newClientId();
    const item = element("li", "msg msg-mine msg-pending");
    item.append(element("p", "msg-body", text));
    const receipt = element("p", "msg-receipt", socket.isOpen ? "Sending…" : "Waiting for the connection…");
    receipt.dataset.receipt = "";
    item.append(receipt);
    append(item);
    log.scrollTop = log.scrollHeight;
    pending.set(clientId, { text, item });
    socket.send({ type: "message", client_id: clientId, text });
  }

  const socket = new LiveSocket(`/ws/chat/${root.dataset.conversation}/`, {
    query: () => `?after=${lastSeq}`,
    onMessage: onFrame,
    onState: showState,
  });

  if (form && textarea) {
    form.addEventListener("submit", (event) => {
      if (files && files.files.length) return; // files go up with the plain form post
      event.preventDefault();
      const text = textarea.value.trim();
      if (!text) {
        textarea.focus();
        return;
      }
      textarea.value = "";
      queue(text);
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
    textarea.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTypingSent > 3000) {
        lastTypingSent = now;
        socket.send({ type: "typing" });
      }
    });
  }
  document.addEventListener("visibilitychange", markRead);
  setupOlder();
  log.scrollTop = log.scrollHeight;

  // The JSON API names the sender as {id, name}; the socket sends sender and sender_name.
  function fromApi(message) {
    return { ...message, sender: message.sender.id, sender_name: message.sender.name };
  }

  // Infinite scroll back: the "Earlier messages" link loads the page before, in place.
  function setupOlder() {
    const link = root.querySelector("[data-load-older]");
    if (!link) return;
    let loading = false;
    const loadOlder = async () => {
      if (loading || !link.dataset.before) return;
      loading = true;
      const response = await fetch(`${root.dataset.api}?before=${link.dataset.before}`, { credentials: "same-origin" });
      loading = false;
      if (!response.ok) return;
      const page = await response.json();
      const height = log.scrollHeight;
      log.prepend(...page.items.map(fromApi).map(render));
      log.scrollTop += log.scrollHeight - height;
      if (page.next) link.dataset.before = String(page.next.before);
      else link.parentElement.remove();
    };
    link.addEventListener("click", (event) => {
      event.preventDefault();
      loadOlder();
    });
    log.addEventListener("scroll", () => log.scrollTop < 40 && loadOlder(), { passive: true });
  }
}
