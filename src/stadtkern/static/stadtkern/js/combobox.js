// A <select multiple data-combobox> becomes a searchable combobox (the ARIA 1.2
// "combobox with listbox popup" pattern): type to filter by number or words (also in the
// other language, data-alt), arrow keys to move, Enter to choose, Escape to close; the
// chosen entries stand above as buttons that remove them. The select stays in the form,
// hidden, and is what is sent; without this script it is an ordinary list.
(function () {
  "use strict";
  var MAX_SHOWN = 50;
  var counter = 0;

  function fold(text) {
    // "Straße" finds "strasse", "Städte" finds "stadte": case and accents do not matter.
    return String(text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
  }

  function enhance(select) {
    var id = "cb" + (++counter);
    var texts = select.dataset;
    var options = Array.prototype.slice.call(select.options).map(function (o, i) {
      return { option: o, id: id + "-o" + i, text: o.text, search: fold(o.text + " " + (o.dataset.alt || "")) };
    });
    var label = document.querySelector("label[for='" + select.id + "']");

    var box = document.createElement("div");
    box.className = "combobox";
    var chosen = document.createElement("ul");
    chosen.className = "combobox-chosen";
    chosen.setAttribute("aria-label", texts.textChosen || "");
    var input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.className = "combobox-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("autocomplete", "off");
    if (select.getAttribute("aria-describedby")) { input.setAttribute("aria-describedby", select.getAttribute("aria-describedby")); }
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-multiselectable", "true");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    if (label) {
      label.setAttribute("for", id);
      label.id = label.id || id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    box.appendChild(chosen);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(status);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(box, select.nextSibling);

    var shown = [], active = -1;

    function say(message) { status.textContent = message; }

    function renderChosen() {
      chosen.innerHTML = "";
      options.forEach(function (entry) {
        if (!entry.option.selected) { return; }
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "combobox-chip";
        button.textContent = entry.text + " ×";
        button.setAttribute("aria-label", (texts.textRemove || "Remove %s").replace("%s", entry.text));
        button.addEventListener("click", function () {
          entry.option.selected = false;
          renderChosen();
          say((texts.textRemoved || "%s removed").replace("%s", entry.text));
          input.focus();
        });
        item.appendChild(button);
        chosen.appendChild(item);
      });
    }

    function open(query) {
      var words = fold(query).split(/\s+/).filter(Boolean);
      shown = options.filter(function (entry) {
        return words.every(function (w) { return entry.search.indexOf(w) !== -1; });
      }).slice(0, MAX_SHOWN);
      list.innerHTML = "";
      shown.forEach(function (entry, i) {
        var item = document.createElement("li");
        item.id = entry.id;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", String(entry.option.selected));
        item.className = "combobox-option";
        item.textContent = entry.text;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(i); });
        list.appendChild(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      move(shown.length ? 0 : -1);
      say(shown.length ? (texts.textResults || "%s results").replace("%s", shown.length) : (texts.textNone || ""));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function move(index) {
      var items = list.children;
      if (active >= 0 && items[active]) { items[active].classList.remove("active"); }
      active = index;
      if (active >= 0 && items[active]) {
        items[active].classList.add("active");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var entry = shown[index];
      if (!entry) { return; }
      entry.option.selected = !entry.option.selected;
      list.children[index].setAttribute("aria-selected", String(entry.option.selected));
      renderChosen();
      say((entry.option.selected ? (texts.textAdded || "%s added") : (texts.textRemoved || "%s removed")).replace("%s", entry.text));
    }

    input.addEventListener("input", function () { open(input.value); });
    input.addEventListener("focus", function () { if (input.value) { open(input.value); } });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { open(input.value); } else { move(Math.min(active + 1, shown.length - 1)); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Backspace" && !input.value) {
        var last = options.filter(function (e) { return e.option.selected; }).pop();
        if (last) { last.option.selected = false; renderChosen(); say((texts.textRemoved || "%s removed").replace("%s", last.text)); }
      }
    });
    renderChosen();
  }

  function start() { document.querySelectorAll("select[data-combobox]").forEach(enhance); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
