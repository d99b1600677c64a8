// Anju — the grid worker's page: the browser's position goes to the server
// in a plain GET (the list nearest first) or to the intake page (a report
// from here). Without scripts or a position, the list is by time left and
// the report link opens the intake page without a place.
(function () {
  "use strict";
  if (!navigator.geolocation) { return; }
  var error = document.getElementById("geo-error");
  function withPosition(then, otherwise) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      then(pos.coords.latitude.toFixed(6), pos.coords.longitude.toFixed(6));
    }, function () {
      if (error) { error.hidden = false; }
      if (otherwise) { otherwise(); }
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }
  document.querySelectorAll("[data-geo-submit]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function (e) {
      e.preventDefault();
      var form = btn.form;
      withPosition(function (lat, lon) {
        form.elements.lat.value = lat;
        form.elements.lon.value = lon;
        form.submit();
      });
    });
  });
  document.querySelectorAll("[data-geo-link]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      withPosition(function (lat, lon) {
        var u = new URL(a.href, location.href);
        u.searchParams.set("lat", lat);
        u.searchParams.set("lon", lon);
        location.href = u.toString();
      }, function () { location.href = a.href; });
    });
  });
})();
