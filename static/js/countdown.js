// Live countdowns: an element with data-countdown="<ISO time>" says how long until then, every second.
// Loaded by base.html (no inline scripts: strict CSP).
(function () {
  "use strict";

  function text(seconds) {
    if (seconds <= 0) {
      return "(due now: waiting for the next send)";
    }
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var parts = [];
    if (hours) {
      parts.push(hours + " h");
    }
    if (hours || minutes) {
      parts.push(minutes + " min");
    }
    parts.push(rest + " s");
    return "(in " + parts.join(" ") + ")";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var at = Date.parse(element.getAttribute("data-countdown"));
      if (!isNaN(at)) {
        element.textContent = text(Math.round((at - now) / 1000));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();
