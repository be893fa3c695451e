// The workspace's only script. No inline handlers anywhere: behaviour is attached here (strict CSP).
(function () {
  "use strict";

  // "Select all" boxes tick every box named in data-select-all inside the same form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) {
      return;
    }
    var form = box.form || box.closest("form");
    var name = box.getAttribute("data-select-all");
    // form.elements also holds the boxes tied to the form by a form="..." attribute.
    var items = form ? Array.prototype.slice.call(form.elements) : [];
    items.forEach(function (item) {
      if (item.type === "checkbox" && item.name === name) {
        item.checked = box.checked;
      }
    });
  });

  // Forms loaded into the shared modal open it; a response carrying HX-Trigger "closeModal" closes it.
  function modal() {
    var element = document.getElementById("action-modal");
    return element && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(element) : null;
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "action-modal-content") {
      var instance = modal();
      if (instance) {
        instance.show();
      }
    }
  });

  document.addEventListener("closeModal", function () {
    var instance = modal();
    if (instance) {
      instance.hide();
    }
  });

  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
