// Anju — hotline intake, for a caller on the line: keyboard shortcuts,
// picking a suggested category or a found place without leaving the page,
// and Enter that never files by accident. The form works without this file:
// every pick is a submit button that re-renders the page with it chosen.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var el = form.elements;

  // Alt+letter, by key position so that it works in any keyboard layout.
  var press = { KeyS: "file", KeyK: "check" };
  var focus = { KeyN: "phone", KeyT: "text", KeyC: "cat_q", KeyG: "category", KeyP: "place_q" };
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    if (press[e.code]) {
      e.preventDefault();
      document.getElementById(press[e.code]).click();
    } else if (focus[e.code]) {
      e.preventDefault();
      var f = document.getElementById(focus[e.code]);
      f.focus();
      if (f.select) { f.select(); }
    }
  });

  function assist() { document.body.dispatchEvent(new CustomEvent("anju:assist")); }

  function pickCategory(btn) {
    el.category.value = btn.value;
    el.category.focus();
    assist();
  }
  function pickPlace(btn) {
    el.grid.value = btn.dataset.grid;
    el.lat.value = "";
    el.lon.value = "";
    if (btn.dataset.address) { el.address.value = btn.dataset.address; }
    document.getElementById("place-name").textContent = btn.dataset.name;
    el.address.focus();
    assist();
  }
  form.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-pick-category], button[data-pick-place]");
    if (!btn) { return; }
    e.preventDefault();
    if (btn.hasAttribute("data-pick-category")) { pickCategory(btn); } else { pickPlace(btn); }
  });

  // Enter in the category or place search picks the first match for what
  // is typed — once the answer for exactly that text is on the page; in
  // any other field it refreshes the aids. It never files: that is Alt+S
  // or the button.
  function firstMatch(zoneId, input, selector, pick) {
    var want = input.value.trim();
    function answered() {
      // Looked up each time: an out-of-band swap replaces the zone itself.
      var list = document.querySelector("#" + zoneId + " [data-for]");
      if (!list || list.getAttribute("data-for") !== want) { return false; }
      var btn = list.querySelector(selector);
      if (btn) { pick(btn); }
      return true;
    }
    if (answered()) { return; }
    var wait = function () {
      if (answered()) { document.body.removeEventListener("htmx:afterSettle", wait); }
    };
    document.body.addEventListener("htmx:afterSettle", wait);
    assist();
  }
  function enterInField(e) {
    var t = e.target;
    return e.key === "Enter" && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey &&
      t.tagName === "INPUT" && t.type !== "checkbox" && t.type !== "submit";
  }
  // The form submits on the keypress that follows an Enter; some input
  // methods and automation send it apart from the keydown.
  form.addEventListener("keypress", function (e) { if (enterInField(e)) { e.preventDefault(); } });
  form.addEventListener("keydown", function (e) {
    if (!enterInField(e)) { return; }
    var t = e.target;
    e.preventDefault();
    if (t.id === "cat_q") {
      firstMatch("zone-categories", t, "button[data-pick-category][data-first]", pickCategory);
    } else if (t.id === "place_q") {
      firstMatch("zone-places", t, "button[data-pick-place]", pickPlace);
    } else {
      assist();
    }
  });

  // A refused filing's summary takes focus, so that the operator hears it.
  var alert = document.getElementById("intake-alert");
  if (alert) { alert.focus(); }
})();
