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
  // A form answered with 400, 403, 409 or 422 is the page again with what was
  // wrong (how every form here answers bad input): htmx swaps it in like a
  // success, so the message is seen, rather than dropping it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 400 || s === 403 || s === 409 || s === 422) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
