// Maps of geodata with Leaflet, served by this instance. No base map unless the operator
// configures one (data-tiles): shapes are drawn on a plain background.
(function () {
  "use strict";

  var PALETTE = ["#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c"];

  function describe(properties) {
    // Built with textContent: property values are data, never markup.
    var box = document.createElement("div");
    Object.keys(properties || {}).slice(0, 12).forEach(function (key) {
      var line = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = key + ": ";
      line.appendChild(name);
      line.appendChild(document.createTextNode(String(properties[key])));
      box.appendChild(line);
    });
    return box;
  }

  function colourScale(features, key) {
    var values = features
      .map(function (f) { return f.properties ? Number(f.properties[key]) : NaN; })
      .filter(function (v) { return !isNaN(v); });
    if (!values.length) { return null; }
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    return {
      lo: lo, hi: hi,
      colour: function (v) {
        if (v === null || v === undefined || isNaN(Number(v))) { return "#cccccc"; }
        var i = hi === lo ? PALETTE.length - 1 : Math.floor((Number(v) - lo) / (hi - lo) * (PALETTE.length - 1));
        return PALETTE[Math.max(0, Math.min(PALETTE.length - 1, i))];
      }
    };
  }

  function legend(map, key, scale) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      var title = document.createElement("strong");
      title.textContent = key;
      box.appendChild(title);
      PALETTE.forEach(function (colour, i) {
        var row = document.createElement("div");
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = colour;
        row.appendChild(swatch);
        var v = scale.lo + (scale.hi - scale.lo) * i / (PALETTE.length - 1);
        row.appendChild(document.createTextNode(" " + (Math.round(v * 100) / 100)));
        box.appendChild(row);
      });
      return box;
    };
    control.addTo(map);
  }

  function draw(element, data) {
    var features = (data && data.features) || [];
    var map = L.map(element, { attributionControl: !!element.dataset.tiles });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution || "" }).addTo(map);
    }
    var key = element.dataset.value;
    var scale = key ? colourScale(features, key) : null;
    var layer = L.geoJSON(data, {
      style: function (f) {
        var fill = scale ? scale.colour(f.properties[key]) : "#3c7dd9";
        return { color: "#1f3f6e", weight: 1.5, fillColor: fill, fillOpacity: scale ? 0.8 : 0.35 };
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: "#1f3f6e", weight: 1, fillColor: "#d9513c", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) { l.bindTooltip(describe(f.properties)); }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([51.16, 10.45], 6); }
    if (scale) { legend(map, key, scale); }
    element.setAttribute("data-ready", String(features.length));
  }

  function start() {
    document.querySelectorAll("[data-map]").forEach(function (element) {
      if (element.dataset.source) {
        var source = document.getElementById(element.dataset.source);
        draw(element, JSON.parse(source.textContent));
      } else if (element.dataset.url) {
        fetch(element.dataset.url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) { draw(element, data); });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
