// The place of a proposal, picked on a map. The latitude and longitude fields stay the
// source of truth: the map only fills them in, and without JavaScript they work alone.
(function () {
  "use strict";

  function round(x) { return Math.round(x * 100000) / 100000; }

  function start(box) {
    var form = box.closest("form");
    var lat = form.querySelector("#latitude"), lon = form.querySelector("#longitude");
    var status = box.querySelector("[data-picker-status]");
    var element = box.querySelector("[data-picker-map]");
    box.hidden = false;
    var map = L.map(element, { attributionControl: !!box.dataset.tiles, keyboard: true });
    window.StadtkernMaps.base(map, box, false);  // the base map or the district outlines
    var others = JSON.parse(document.getElementById(box.dataset.source).textContent);
    var layer = L.geoJSON(others, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 4, color: "#1f3f6e", weight: 1, fillColor: "#9bb7dd", fillOpacity: 0.8 });
      }
    }).addTo(map);
    var marker = null;

    function current() {
      var a = parseFloat(String(lat.value).replace(",", ".")), b = parseFloat(String(lon.value).replace(",", "."));
      return isNaN(a) || isNaN(b) || Math.abs(a) > 90 || Math.abs(b) > 180 ? null : L.latLng(a, b);
    }

    function show(latlng, announce) {
      if (marker) { map.removeLayer(marker); marker = null; }
      if (!latlng) { return; }
      marker = L.marker(latlng, { keyboard: false }).addTo(map);
      if (announce) {
        status.textContent = box.dataset.marked + " " + round(latlng.lat) + ", " + round(latlng.lng);
      }
    }

    function choose(latlng) {
      lat.value = round(latlng.lat);
      lon.value = round(latlng.lng);
      show(latlng, true);
    }

    var here = current(), bounds = layer.getBounds();
    if (here) { map.setView(here, 16); show(here, false); }
    else if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); }
    else { map.setView([51.16, 10.45], 6); }

    map.on("click", function (e) { choose(e.latlng); });
    // A keyboard pan glides for a moment; marking the centre in the middle of it would take a
    // point the map is only passing, so the mark waits for the map to come to rest.
    var moving = false;
    map.on("movestart", function () { moving = true; });
    map.on("moveend", function () { moving = false; });
    box.querySelector("[data-picker-centre]").addEventListener("click", function () {
      if (moving) { map.once("moveend", function () { choose(map.getCenter()); }); }
      else { choose(map.getCenter()); }
    });
    box.querySelector("[data-picker-clear]").addEventListener("click", function () {
      lat.value = ""; lon.value = ""; show(null); status.textContent = box.dataset.cleared;
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var typed = current();
        show(typed, false);
        if (typed) { map.panTo(typed); }
      });
    });
    element.setAttribute("data-ready", "true");
  }

  function init() { document.querySelectorAll("[data-place-picker]").forEach(start); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
