// The board's drag and drop. It posts the same move as the arrow buttons and the plain
// form (steering/backlog_views.board_move) through htmx, which swaps the whole board;
// the keyboard never needs it.
(function () {
  "use strict";

  var lastGo = null;

  function board() { return document.getElementById("board"); }

  // A refused move (409: someone else moved the item; 422: a bad move) comes with the
  // board as it now is and the reason inside it: show it rather than drop it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "board" && (e.detail.xhr.status === 409 || e.detail.xhr.status === 422)) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var button = e.detail.elt;
    lastGo = button && button.name === "go" ? button.value : null;
  });
  // After a move, the keyboard stays where it was: on the same arrow of the moved card if
  // it still has one, else on the card itself.
  document.addEventListener("htmx:afterSettle", function () {
    var card = document.querySelector("#board [data-focus]");
    var message = document.querySelector("#board .board-message");
    if (message) { message.setAttribute("tabindex", "-1"); message.focus(); return; }
    if (!card) { return; }
    var same = lastGo ? card.querySelector('button[name="go"][value="' + lastGo + '"]') : null;
    (same || card).focus();
  });

  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".board-card[draggable]");
    if (!card) { return; }
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.item);
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
  });
  document.addEventListener("dragover", function (e) {
    if (dragged && e.target.closest && e.target.closest(".board-list")) { e.preventDefault(); }
  });
  document.addEventListener("drop", function (e) {
    var list = e.target.closest && e.target.closest(".board-list");
    if (!dragged || !list) { return; }
    e.preventDefault();
    var before = null;
    list.querySelectorAll(".board-card").forEach(function (card) {
      if (before || card === dragged) { return; }
      var box = card.getBoundingClientRect();
      if (e.clientY < box.top + box.height / 2) { before = card; }
    });
    var b = board();
    var token = b.querySelector("[data-board-csrf]");
    htmx.ajax("POST", b.dataset.moveUrl, {
      target: "#board", swap: "outerHTML",
      values: {
        item: dragged.dataset.item, version: dragged.dataset.version, status: list.dataset.column,
        before: before ? before.dataset.item : "", iteration: b.dataset.iteration,
        csrfmiddlewaretoken: token ? token.value : ""
      }
    });
  });
})();
