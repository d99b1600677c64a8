// Anju — progressive enhancement shared by every page. Every form works
// without this file; it only adds the CSRF header to htmx requests and moves
// focus sensibly after a swap.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (e) {
    if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
  });
  // A swapped-in error summary takes focus, so that keyboard and screen
  // reader users hear what went wrong.
  document.addEventListener("htmx:afterSwap", function (e) {
    var alert = e.detail.target && e.detail.target.querySelector("[role=alert]");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  });
})();
