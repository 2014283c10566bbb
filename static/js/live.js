// Live pieces on every page: the navigation badge, and on a question the bid board.
import { LiveSocket } from "./socket.js";

// One count on a badge (templates/_badge.html): hidden at zero, "99+" past 99, as the server renders it.
function showCount(kind, count) {
  const badge = document.querySelector(`[data-badge-${kind}]`);
  if (!badge || typeof count !== "number") return;
  badge.querySelector("[data-badge-count]").textContent = count > 99 ? "99+" : String(count);
  badge.hidden = !count;
}

// The navigation's badges (and, on a phone, the menu button's total) follow the server's counts.
function startBadge() {
  const path = document.body.dataset.liveBadge;
  if (!path) return;
  new LiveSocket(path, {
    onMessage(frame) {
      if (frame.type !== "counts") return;
      showCount("chat", frame.chat);
      showCount("notifications", frame.notifications);
      showCount("total", frame.chat + frame.notifications);
    },
  });
}

function startBidBoard() {
  const board = document.querySelector("[data-bid-board]");
  if (!board) return;
  let opened = false;
  const refresh = async (news) => {
    const response = await fetch(board.dataset.fragment, { credentials: "same-origin" });
    if (!response.ok) return;
    board.innerHTML = await response.text();
    const region = document.querySelector("[data-board-news]"); // outside the board, so it persists
    if (region && news) region.textContent = news;
  };
  const NEWS = {
    placed: "A new bid arrived.",
    edited: "A bid was changed.",
    withdrawn: "A bid was withdrawn.",
    accepted: "A bid was accepted.",
  };
  new LiveSocket(board.dataset.ws, {
    onOpen() {
      if (opened) refresh("");  // back after a drop: catch up on what changed meanwhile
      opened = true;
    },
    onMessage(frame) {
      if (frame.type === "bids.changed") refresh(NEWS[frame.change] || "The bids changed.");
      if (frame.type === "question.changed") refresh("This question's status changed.");
    },
  });
}

document.addEventListener("DOMContentLoaded", () => {
  startBadge();
  startBidBoard();
});
