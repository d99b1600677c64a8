// Anju — the wall screen (/dash/wall). htmx reloads each part every minute
// (hx-trigger "every 60s"); this file keeps the clock, says when the parts
// were last updated and, when a refresh fails, keeps the last figures on
// screen, dimmed, instead of an error or a sign-in form:
//   - 401 (the session ended): htmx would follow the answer's HX-Redirect
//     to the sign-in page and the wall would show a form to a room. It is
//     stopped here; a banner says the figures stopped updating, and when,
//     with a link to sign in again.
//   - any other failure (network, server): the status line says since when
//     the figures are not updated; htmx keeps trying every minute.
// The next successful refresh clears either state. The browser coming back
// online, or the screen being shown again, refreshes every part at once
// (event anju:refresh, which the parts also listen to).
(function () {
  "use strict";
  var wall = document.getElementById("wall");
  if (!wall) { return; }
  var status = document.getElementById("wall-status");
  var banner = document.getElementById("wall-signed-out");
  var clock = document.getElementById("wall-clock");
  var lastUpdate = status ? (status.textContent.match(/\d\d:\d\d/) || [""])[0] : "";

  var fmt = new Intl.DateTimeFormat(clock && clock.dataset.lang === "en" ? "en-GB" : "zh-CN",
    { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false });
  function hhmm() { return fmt.format(new Date()); }
  function tick() { if (clock) { clock.textContent = hhmm(); } }
  tick();
  setInterval(tick, 1000);

  function say(el, attr, time) { return (el.getAttribute(attr) || "%s").replace("%s", time); }
  function stale(on) { wall.classList.toggle("wall-stale", on); }

  function isPart(e) { return e.detail && e.detail.elt && e.detail.elt.hasAttribute("data-part"); }

  document.addEventListener("htmx:beforeOnLoad", function (e) {
    if (!isPart(e) || e.detail.xhr.status !== 401) { return; }
    e.preventDefault(); // no redirect: the wall stays, marked signed out
    stale(true);
    if (banner) {
      var text = banner.querySelector("[data-text]");
      if (text) { text.textContent = say(text, "data-text", lastUpdate); }
      banner.hidden = false;
    }
  });
  function failed(e) {
    if (!isPart(e) || (e.detail.xhr && e.detail.xhr.status === 401)) { return; }
    stale(true);
    if (status) { status.textContent = say(status, "data-stale", lastUpdate); status.classList.add("stale"); }
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!isPart(e)) { return; }
    lastUpdate = hhmm();
    stale(false);
    if (banner) { banner.hidden = true; }
    if (status) { status.textContent = say(status, "data-updated", lastUpdate); status.classList.remove("stale"); }
  });

  function refreshAll() {
    wall.querySelectorAll("[data-part]").forEach(function (el) {
      el.dispatchEvent(new CustomEvent("anju:refresh"));
    });
  }
  window.addEventListener("online", refreshAll);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refreshAll(); } });
})();
