// The header's menu button on narrow screens: shows and hides the service links and says
// so to assistive technology (aria-expanded). Without this script the links stay visible.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function start() {
    var button = document.querySelector(".menu-toggle");
    if (!button) { return; }
    var header = button.closest(".site-header");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      header.classList.toggle("open", open);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
