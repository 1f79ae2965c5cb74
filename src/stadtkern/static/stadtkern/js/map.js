// The one map component (Leaflet, served by this instance). What every map does:
// - a base map only where the operator or the municipality chose one (data-tiles);
//   otherwise the municipality's district outlines as context (data-outlines);
// - features coloured by an attribute (data-value): categories with their own colours,
//   numbers in five classes; the legend sits below the map in the reader's number format,
//   so that it never covers the map on a phone;
// - areas of a choropleth labelled with their name and value;
// - every feature's values open on click or tap, and from the keyboard (Tab, Enter).
(function () {
  "use strict";

  // Okabe-Ito colours, told apart with the common colour-vision deficiencies; the rarest
  // category (a vacant shop among occupied ones) gets the strongest.
  var CATEGORY = ["#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#8C6D00", "#000000"];
  var SEQUENTIAL = ["#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c"];
  var MAX_FOCUSABLE = 300;  // beyond this, the table beside the map is the keyboard's way
  var MAX_LABELS = 40;
  var LANG = document.documentElement.lang || "de";

  function format(v, digits) {
    return new Intl.NumberFormat(LANG, { maximumFractionDigits: digits === undefined ? 2 : digits }).format(v);
  }

  function escapeHtml(text) {
    // Leaflet writes attributions as HTML; a municipality's text is text.
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function shown(value) {
    if (typeof value === "number") { return format(value); }
    if (value === null || value === undefined) { return "–"; }
    return String(value);
  }

  function labelOf(properties) {
    var names = ["label", "name", "Name", "bezeichnung", "bezirk", "titel", "title", "adresse"];
    for (var i = 0; i < names.length; i++) {
      if (properties && properties[names[i]] !== undefined && properties[names[i]] !== null) {
        return String(properties[names[i]]);
      }
    }
    var first = Object.keys(properties || {}).filter(function (k) { return typeof properties[k] === "string" && properties[k]; })[0];
    return first ? properties[first] : "";
  }

  function describe(properties) {
    // Built with textContent: property values are data, never markup.
    var wrapper = document.createElement("div");
    if (properties && properties.label) {
      var heading = document.createElement("strong");
      heading.textContent = properties.label;
      wrapper.appendChild(heading);
    }
    var box = document.createElement("dl");
    box.className = "map-values";
    wrapper.appendChild(box);
    Object.keys(properties || {}).filter(function (key) { return key !== "label" && key !== "number"; }).slice(0, 14).forEach(function (key) {
      var term = document.createElement("dt");
      term.textContent = key;
      var value = document.createElement("dd");
      value.textContent = shown(properties[key]);
      box.appendChild(term);
      box.appendChild(value);
    });
    return wrapper;
  }

  function niceBounds(lo, hi, classes) {
    var raw = (hi - lo) / classes;
    if (!(raw > 0)) { return [lo, lo + 1]; }
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * magnitude; })
      .filter(function (s) { return s >= raw; })[0];
    var start = Math.floor(lo / step) * step;
    return [start, step];
  }

  function scaleFor(features, key) {
    var values = features.map(function (f) { return f.properties ? f.properties[key] : null; })
      .filter(function (v) { return v !== null && v !== undefined && v !== ""; });
    if (!values.length) { return null; }
    var numbers = values.filter(function (v) { return typeof v === "number" && isFinite(v); });
    if (numbers.length === values.length) {
      var lo = Math.min.apply(null, numbers), hi = Math.max.apply(null, numbers);
      var nb = niceBounds(lo, hi, SEQUENTIAL.length), start = nb[0], step = nb[1];
      var digits = step >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(step)));
      return {
        kind: "number",
        classes: SEQUENTIAL.map(function (colour, i) {
          return { colour: colour, from: start + i * step, to: start + (i + 1) * step,
                   label: format(start + i * step, digits) + " – " + format(start + (i + 1) * step, digits) };
        }),
        colour: function (v) {
          if (typeof v !== "number") { return "#cccccc"; }
          var i = Math.floor((v - start) / step);
          return SEQUENTIAL[Math.max(0, Math.min(SEQUENTIAL.length - 1, i))];
        }
      };
    }
    var counts = {};
    values.forEach(function (v) { counts[String(v)] = (counts[String(v)] || 0) + 1; });
    var names = Object.keys(counts);
    if (names.length > CATEGORY.length) { return null; }
    names.sort(function (a, b) { return counts[a] - counts[b] || a.localeCompare(b, LANG); });
    var colours = {};
    names.forEach(function (name, i) { colours[name] = CATEGORY[i]; });
    return {
      kind: "category",
      classes: names.map(function (name) {
        return { colour: colours[name], label: name + " (" + format(counts[name], 0) + ")" };
      }),
      colour: function (v) { return colours[String(v)] || "#cccccc"; }
    };
  }

  function legend(element, title, scale) {
    var box = document.createElement("div");
    box.className = "map-legend";
    var heading = document.createElement("p");
    heading.className = "map-legend-title";
    heading.textContent = title;
    box.appendChild(heading);
    var list = document.createElement("ul");
    scale.classes.forEach(function (c) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = c.colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + c.label));
      list.appendChild(item);
    });
    box.appendChild(list);
    element.insertAdjacentElement("afterend", box);
  }

  // The base under a map: tiles where chosen, else the municipality's outlines.
  function base(map, element, fit, quiet) {
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: escapeHtml(element.dataset.attribution || ""), maxZoom: 19 }).addTo(map);
      return;
    }
    if (!element.dataset.outlines) { return; }
    fetch(element.dataset.outlines, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.features || !data.features.length) { return; }
        var outlines = L.geoJSON(data, {
          interactive: false,
          style: function () { return { color: "#6b737b", weight: 1.2, fill: false, dashArray: "4 3" }; },
          onEachFeature: function (f, l) {
            // Unlabelled under a labelled choropleth: one name per area is enough.
            if (!quiet && data.features.length <= MAX_LABELS && f.properties && f.properties.label) {
              l.bindTooltip(f.properties.label, { permanent: true, direction: "center", className: "map-outline-label", interactive: false });
            }
          }
        }).addTo(map);
        outlines.bringToBack();
        if (fit) { map.fitBounds(outlines.getBounds(), { padding: [10, 10] }); }
        element.setAttribute("data-outlines-ready", String(data.features.length));
      });
  }

  function makeFocusable(layer, text) {
    var target = layer.getElement && layer.getElement();
    if (!target) { return; }
    target.setAttribute("tabindex", "0");
    target.setAttribute("role", "button");
    target.setAttribute("aria-label", text);
    target.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        layer.openPopup();
      }
    });
  }

  function draw(element, data) {
    var features = (data && data.features) || [];
    var map = L.map(element, { attributionControl: !!element.dataset.tiles, keyboard: true, zoomSnap: 0.25 });
    var key = element.dataset.value;
    var scale = key ? scaleFor(features, key) : null;
    var areas = features.filter(function (f) { return f.geometry && /Polygon/.test(f.geometry.type); }).length;
    var labelled = scale && areas && features.length <= MAX_LABELS;
    var layer = L.geoJSON(data, {
      style: function (f) {
        var fill = scale ? scale.colour(f.properties[key]) : "#3c7dd9";
        return { color: "#1f3f6e", weight: 1.5, fillColor: fill, fillOpacity: scale ? 0.8 : 0.35 };
      },
      pointToLayer: function (f, latlng) {
        var fill = scale ? scale.colour(f.properties[key]) : "#d9513c";
        return L.circleMarker(latlng, { radius: 6, color: "#1b1f23", weight: 1, fillColor: fill, fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) {
        l.bindPopup(describe(f.properties));
        var name = labelOf(f.properties);
        if (f.properties && f.properties.number !== undefined && features.length <= MAX_LABELS) {
          // Numbered places (a ballot's projects): the number stays beside the point.
          l.bindTooltip(String(f.properties.number), { permanent: true, direction: "right", className: "map-number-label" });
        } else if (labelled) {
          l.bindTooltip(name + (name ? ": " : "") + shown(f.properties[key]),
            { permanent: true, direction: "center", className: "map-area-label" });
        } else if (name) {
          l.bindTooltip(name);
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24] }); } else { map.setView([51.16, 10.45], 6); }
    var numbered = features.some(function (f) { return f.properties && f.properties.number !== undefined; });
    base(map, element, !bounds.isValid(), labelled || numbered);
    if (features.length <= MAX_FOCUSABLE) {
      var n = 0;
      layer.eachLayer(function (l) {
        var p = l.feature.properties || {};
        n += 1;
        var text = labelOf(p) || (element.dataset.featureName + " " + n);
        if (key && p[key] !== undefined) { text += (text ? ": " : "") + shown(p[key]); }
        makeFocusable(l, text);
      });
    }
    if (scale) { legend(element, element.dataset.valueLabel || key, scale); }
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

  window.StadtkernMaps = { base: base, escapeHtml: escapeHtml };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
