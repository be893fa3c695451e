// The job board's drag and drop: dropping a card on another column opens the card's own move form (the
// "Move…" button's form, with its email preview) in the shared modal, the stage already chosen. The
// button stays the keyboard's way to the same form. Loaded by base.html (no inline scripts: strict CSP).
(function () {
  "use strict";

  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-move-url]");
    if (!card) {
      return;
    }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-application"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("dragging");
    }
    dragged = null;
    document.querySelectorAll(".board-column.drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  });

  // A column the dragged card may go to: another column, among the card's allowed stages.
  function columnOf(event) {
    var column = event.target.closest ? event.target.closest(".board-column[data-stage]") : null;
    if (!column || !dragged || column.contains(dragged)) {
      return null;
    }
    var allowed = (dragged.getAttribute("data-allowed") || "").split(" ");
    return allowed.indexOf(column.getAttribute("data-stage")) >= 0 ? column : null;
  }

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event);
    if (column) {
      event.preventDefault();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event);
    if (column && !column.contains(event.relatedTarget)) {
      column.classList.remove("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event);
    if (!column || !window.htmx) {
      return;
    }
    event.preventDefault();
    column.classList.remove("drop-target");
    var url = dragged.getAttribute("data-move-url") + "?to_stage=" + encodeURIComponent(column.getAttribute("data-stage"));
    window.htmx.ajax("GET", url, { target: "#action-modal-content", swap: "innerHTML" });
  });
})();
