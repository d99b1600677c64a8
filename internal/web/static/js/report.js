// The report form's help while scripts run: a suggested or matching
// category (a button that, without scripts, reloads the form with it
// chosen) is chosen in place instead.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("button[data-category]");
    if (!btn) { return; }
    var select = document.getElementById("category");
    if (!select) { return; }
    e.preventDefault();
    select.value = btn.dataset.category;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  });
})();
