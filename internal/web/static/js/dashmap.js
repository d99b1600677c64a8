// Anju — the grid map of the dashboard and the wall screen. An element
// with data-gridmap="/dash/map?…&format=geojson" becomes a Leaflet map of
// the grids in that GeoJSON, each filled with its class's colour (read
// from the page's --c0 … --c4 and --cnone, the legend's own colours), a
// popup with the grid's figures and a link to its cases, and the hotspots
// as circles. No tile server: the city's own polygons are the map, so it
// works offline. Geometry is fetched again, thinned to the new zoom, when
// the zoom changes by two steps or more; data-refresh="300" fetches it
// again every 300 s (the wall), and data-legend="id" fills that list with
// the legend's classes. Every word comes from the GeoJSON and is
// set as text, never as HTML. Without scripts the page's table holds the
// same numbers.
(function () {
  "use strict";
  if (!window.L) { return; }
  var tileURL = document.body.getAttribute("data-tile-url");

  function colour(el, swatch) {
    var name = swatch >= 0 ? "--c" + swatch : "--cnone";
    return getComputedStyle(el).getPropertyValue(name).trim() || "#999";
  }

  function popup(p) {
    var box = document.createElement("div");
    box.className = "gridmap-popup";
    var h = document.createElement("h3");
    h.textContent = p.name || p.code || "";
    box.appendChild(h);
    var dl = document.createElement("dl");
    (p.figures || []).forEach(function (f) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = f.label;
      if (f.href) {
        var link = document.createElement("a");
        link.href = f.href;
        link.textContent = f.value;
        link.setAttribute("data-figure-link", f.name);
        dd.appendChild(link);
      } else {
        dd.textContent = f.value;
      }
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    if (p.href) {
      var a = document.createElement("a");
      a.href = p.href;
      a.textContent = p.link_text || p.href;
      a.setAttribute("data-grid-cases", p.code);
      box.appendChild(a);
    }
    return box;
  }

  function setup(el) {
    var map = L.map(el, { zoomControl: true, attributionControl: !!tileURL, zoomSnap: 0.25, fadeAnimation: false });
    if (tileURL) { L.tileLayer(tileURL, { maxZoom: 19 }).addTo(map); }
    map.setView([30.25, 120.17], 12);
    var line = getComputedStyle(el).getPropertyValue("--grid-line").trim() || "#4a5568";
    var hot = getComputedStyle(el).getPropertyValue("--hotspot").trim() || "#b3261e";
    var grids = L.geoJSON(null, {
      filter: function (f) { return f.properties && f.properties.layer === "grid"; },
      style: function (f) {
        return { color: line, weight: 1, fillOpacity: 0.85, fillColor: colour(el, f.properties.swatch), className: "grid-path" };
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(popup(f.properties));
        var s = document.createElement("span");
        s.textContent = f.properties.name + " · " + f.properties.value;
        layer.bindTooltip(s, { sticky: true });
        layer.on("add", function () {
          var path = layer.getElement && layer.getElement();
          if (path) { path.setAttribute("data-grid", f.properties.code); path.setAttribute("data-swatch", f.properties.swatch); }
        });
      }
    }).addTo(map);
    var hotspots = L.geoJSON(null, {
      filter: function (f) { return f.properties && f.properties.layer === "hotspot"; },
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 10, color: hot, weight: 4, fillColor: "#fff", fillOpacity: 0.9, className: "hotspot-marker" });
      },
      onEachFeature: function (f, layer) {
        var box = document.createElement("div"), b = document.createElement("strong"), d = document.createElement("div");
        b.textContent = f.properties.name;
        d.textContent = f.properties.detail || "";
        box.appendChild(b);
        box.appendChild(d);
        layer.bindPopup(box);
      }
    }).addTo(map);

    // A legend list named by data-legend is drawn from the map's own
    // classes (the wall, whose classes change as the days go by).
    function legend(classes) {
      var ul = document.getElementById(el.getAttribute("data-legend") || "");
      if (!ul) { return; }
      ul.textContent = "";
      classes.forEach(function (c) {
        var li = document.createElement("li"), sw = document.createElement("span");
        sw.className = "swatch c" + c.swatch;
        sw.setAttribute("aria-hidden", "true");
        li.appendChild(sw);
        li.appendChild(document.createTextNode(c.label));
        ul.appendChild(li);
      });
    }

    var loadedZoom = -1, fitted = false;
    function load(force) {
      var z = Math.round(map.getZoom());
      if (!force && fitted && Math.abs(z - loadedZoom) < 2) { return; }
      loadedZoom = z;
      var url = el.getAttribute("data-gridmap") + "&zoom=" + z;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (gj) {
          if (!gj) { return; }
          var open = null;
          grids.eachLayer(function (l) { if (l.isPopupOpen && l.isPopupOpen()) { open = l.feature.properties.code; } });
          grids.clearLayers();
          hotspots.clearLayers();
          grids.addData(gj);
          hotspots.addData(gj);
          if (!fitted && grids.getLayers().length) {
            fitted = true;
            map.fitBounds(grids.getBounds(), { padding: [8, 8] });
            loadedZoom = Math.round(map.getZoom());
          }
          el.setAttribute("data-loaded", String(grids.getLayers().length));
          legend(gj.legend || []);
          if (open) { grids.eachLayer(function (l) { if (l.feature.properties.code === open) { l.openPopup(); } }); }
        })
        .catch(function () { /* keep what is drawn; the next load tries again */ });
    }
    load(true);
    map.on("zoomend", function () { load(false); });
    var every = parseInt(el.getAttribute("data-refresh"), 10);
    if (every > 0) { setInterval(function () { load(true); }, every * 1000); }
    return map;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-gridmap]").forEach(function (el) {
      if (!el._anjuGridMap) { el._anjuGridMap = setup(el); }
    });
  });
})();
