// Live pieces on every page: the navigation badge, and on a question the bid board.
import { LiveSocket } from "./socket.js";

function startBadge() {
  const path = document.body.dataset.liveBadge;
  const badge = document.querySelector("[data-badge-chat]");
  if (!path || !badge) return;
  new LiveSocket(path, {
    onMessage(frame) {
      if (frame.type !== "counts") return;
      badge.querySelector("[data-badge-count]").textContent = String(frame.chat);
      badge.hidden = !frame.chat;
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
