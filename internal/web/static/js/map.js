// Anju maps: every element with data-map becomes a Leaflet map drawing the
// city's own boundaries (GeoJSON from /geo/regions/{code}, thinned per zoom)
// over an optional raster layer (body data-tile-url; none by default, so maps
// work offline). Options, all data- attributes of the element:
//   data-region="330102"   draw this region's children (grids, streets…)
//   data-lat, data-lon     a marker (and the initial view)
//   data-pin="form-id"     clicking places the pin and fills the form's
//                          lat, lon and grid inputs (snapped to its grid)
//   data-points="/url"     GeoJSON points to mark; property "title" and
//                          "href" make the popup (set as text, never HTML)
// A button with data-locate="form-id" uses the browser's position.
(function () {
  "use strict";
  if (!window.L) { return; }
  var tileURL = document.body.getAttribute("data-tile-url");

  function num(v) { var n = parseFloat(v); return isFinite(n) ? n : null; }

  function setupMap(el) {
    var map = L.map(el, { zoomControl: true, attributionControl: !!tileURL });
    if (tileURL) { L.tileLayer(tileURL, { maxZoom: 19 }).addTo(map); }
    var lat = num(el.dataset.lat), lon = num(el.dataset.lon);
    var marker = null;
    var shapes = L.geoJSON(null, { style: { color: "#0b5394", weight: 1, fillOpacity: 0.06 } }).addTo(map);
    var region = el.dataset.region;
    var loadedZoom = -1;
    function loadShapes(fit) {
      if (!region) { return; }
      var z = Math.round(map.getZoom() || 12);
      if (!fit && Math.abs(z - loadedZoom) < 2) { return; }
      loadedZoom = z;
      fetch("/geo/regions/" + encodeURIComponent(region) + "?zoom=" + z)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (gj) {
          if (!gj) { return; }
          shapes.clearLayers();
          shapes.addData(gj);
          shapes.eachLayer(function (layer) {
            var p = layer.feature && layer.feature.properties;
            if (p && p.name) { var s = document.createElement("span"); s.textContent = p.name; layer.bindTooltip(s, { sticky: true }); }
          });
          if (fit && shapes.getLayers().length && lat === null) { map.fitBounds(shapes.getBounds()); loadedZoom = Math.round(map.getZoom()); }
        });
    }
    if (lat !== null && lon !== null) {
      map.setView([lat, lon], 16);
      marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
    } else {
      map.setView([30.25, 120.17], 12);
    }
    loadShapes(true);
    map.on("zoomend", function () { loadShapes(false); });

    var formId = el.dataset.pin;
    if (formId) {
      var form = document.getElementById(formId);
      map.on("click", function (e) { place(map, form, e.latlng.lat, e.latlng.lng); });
      el._anjuPlace = function (la, lo) { place(map, form, la, lo); map.setView([la, lo], 17); };
    }
    function place(map, form, la, lo) {
      if (marker) { marker.setLatLng([la, lo]); } else { marker = L.marker([la, lo], { keyboard: false }).addTo(map); }
      setField(form, "lat", la.toFixed(6));
      setField(form, "lon", lo.toFixed(6));
      fetch("/geo/locate?lat=" + la + "&lon=" + lo)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (loc) {
          setField(form, "grid", loc ? loc.grid : "");
          var out = form.querySelector("[data-grid-name]");
          if (out) {
            out.textContent = loc ? loc.ancestors.concat([loc.grid_name]).join(" › ") : (out.dataset.outside || "");
          }
          form.dispatchEvent(new CustomEvent("anju:placed", { bubbles: true }));
        });
    }

    var points = el.dataset.points;
    if (points) {
      fetch(points).then(function (r) { return r.ok ? r.json() : null; }).then(function (gj) {
        if (!gj) { return; }
        var layer = L.geoJSON(gj, {
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 7, color: "#b3261e", weight: 2, fillOpacity: 0.5 }); },
          onEachFeature: function (f, l) {
            var p = f.properties || {}, box = document.createElement("div");
            var a = document.createElement(p.href ? "a" : "span");
            if (p.href) { a.href = p.href; }
            a.textContent = p.title || "";
            box.appendChild(a);
            if (p.detail) { var d = document.createElement("div"); d.textContent = p.detail; box.appendChild(d); }
            l.bindPopup(box);
          }
        }).addTo(map);
        if (!region && layer.getLayers().length) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
      });
    }
    return map;
  }

  function setField(form, name, value) {
    var f = form && form.elements[name];
    if (f) { f.value = value; f.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  function init(root) {
    root.querySelectorAll("[data-map]").forEach(function (el) {
      if (!el._anjuMap) { el._anjuMap = setupMap(el); }
    });
    root.querySelectorAll("[data-locate]").forEach(function (btn) {
      if (btn._anjuLocate || !navigator.geolocation) { return; }
      btn._anjuLocate = true;
      btn.hidden = false;
      btn.addEventListener("click", function (e) {
        e.preventDefault();
        var form = document.getElementById(btn.dataset.locate);
        navigator.geolocation.getCurrentPosition(function (pos) {
          var mapEl = form.querySelector("[data-map]") || document.querySelector("[data-map][data-pin='" + btn.dataset.locate + "']");
          if (mapEl && mapEl._anjuPlace) { mapEl._anjuPlace(pos.coords.latitude, pos.coords.longitude); }
          else { setField(form, "lat", pos.coords.latitude.toFixed(6)); setField(form, "lon", pos.coords.longitude.toFixed(6)); }
        }, function () { btn.setAttribute("aria-invalid", "true"); }, { enableHighAccuracy: true, timeout: 15000 });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
