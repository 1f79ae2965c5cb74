// Long form submissions (checking or importing a file) show a progress indicator, so
// nobody wonders whether anything happens or sends the file twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var busy = form.querySelector("[data-busy]");
    if (!busy) { return; }
    busy.hidden = false;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    form.setAttribute("aria-busy", "true");
  });
})();
