// Running total of a ballot while it is filled in: the cost of the chosen projects
// against the budget (approval and knapsack ballots) or the points given (cumulative
// ballots); a warning, announced to screen readers (role="alert"), as soon as the choice
// would not be accepted. The form works without it; the server checks every ballot again.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot");
  if (!form) return;
  var out = form.querySelector(".ballot-total");
  var warning = form.querySelector(".ballot-warning");
  var fill = form.querySelector(".ballot-fill");
  var kind = form.dataset.kind;
  var lang = document.documentElement.lang || "de";
  var money = new Intl.NumberFormat(lang, {
    style: "currency", currency: form.dataset.currency || "EUR",
    minimumFractionDigits: 0, maximumFractionDigits: 2
  });
  var number = new Intl.NumberFormat(lang);

  function text(name, values) {
    return (form.dataset[name] || "").replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] !== undefined ? values[key] : all;
    });
  }

  function warn(message) {
    // Only a change of the message is announced again, not every keystroke.
    if (!message) { warning.hidden = true; warning.textContent = ""; return; }
    if (warning.textContent !== message) { warning.textContent = message; }
    warning.hidden = false;
  }

  function update() {
    var problem = "";
    if (kind === "cumulative") {
      var given = 0;
      form.querySelectorAll("input.points").forEach(function (i) { given += parseInt(i.value || "0", 10) || 0; });
      var max = parseInt(form.dataset.points || "0", 10);
      out.textContent = text("textPoints", { n: number.format(given), max: number.format(max) });
      if (max && given > max) { problem = text("textOverPoints", { over: number.format(given - max) }); }
    } else if (kind === "approval" || kind === "knapsack") {
      var cost = 0, count = 0;
      form.querySelectorAll("input[type=checkbox]:checked").forEach(function (i) { cost += parseFloat(i.dataset.cost); count += 1; });
      var budget = parseFloat(form.dataset.budget);
      var most = parseInt(form.dataset.most || "0", 10);
      out.textContent = text("textCost", { n: number.format(count), cost: money.format(cost), budget: money.format(budget) });
      if (fill) {
        fill.style.width = Math.min(100, budget ? cost / budget * 100 : 0) + "%";
        fill.classList.toggle("over", cost > budget && kind === "knapsack");
      }
      if (kind === "knapsack" && cost > budget) {
        problem = text("textOverBudget", { over: money.format(cost - budget) });
      } else if (most && count > most) {
        problem = text("textOverCount", { n: number.format(count), max: number.format(most) });
      }
    }
    form.classList.toggle("ballot-invalid", !!problem);
    warn(problem);
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
