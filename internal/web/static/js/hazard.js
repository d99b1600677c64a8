// Anju — the hazard register's form: a latitude and longitude typed in move
// the map's pin there, which names the grid (map.js does, as for a click).
// Without scripts the typed point is sent as it is and the grid is found
// by the server.
(function () {
  "use strict";
  var form = document.getElementById("hazard-form");
  if (!form) { return; }
  var lat = form.elements.lat, lon = form.elements.lon;
  var placed = "";
  function place(e) {
    // Only what the reader typed: map.js fires change itself when a click
    // on the map fills the fields.
    if (!e.isTrusted) { return; }
    var la = parseFloat(lat.value), lo = parseFloat(lon.value);
    var mapEl = form.querySelector("[data-map]");
    if (!isFinite(la) || !isFinite(lo) || !mapEl || !mapEl._anjuPlace) { return; }
    var key = la.toFixed(6) + "," + lo.toFixed(6);
    if (key === placed) { return; }
    placed = key;
    mapEl._anjuPlace(la, lo);
  }
  lat.addEventListener("change", place);
  lon.addEventListener("change", place);
})();
