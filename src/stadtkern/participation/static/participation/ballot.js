// Running total of a ballot while it is filled in: the cost of the chosen projects
// (approval and knapsack ballots) or the points given (cumulative ballots). The form
// works without it; the server checks every ballot again.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot");
  if (!form) return;
  var out = form.querySelector(".ballot-total");
  var kind = form.dataset.kind;
  var lang = document.documentElement.lang || "de";
  var de = lang.indexOf("de") === 0;
  function money(n) { return n.toLocaleString(lang, { maximumFractionDigits: 2 }); }
  function update() {
    if (kind === "cumulative") {
      var given = 0;
      form.querySelectorAll("input.points").forEach(function (i) { given += parseInt(i.value || "0", 10) || 0; });
      var max = parseInt(form.dataset.points || "0", 10);
      out.textContent = (de ? "Vergebene Punkte: " : "Points given: ") + given + (de ? " von " : " of ") + max;
    } else if (kind === "approval" || kind === "knapsack") {
      var cost = 0, count = 0;
      form.querySelectorAll("input[type=checkbox]:checked").forEach(function (i) { cost += parseFloat(i.dataset.cost); count += 1; });
      var budget = parseFloat(form.dataset.budget);
      out.textContent = (de ? "Gewählt: " : "Chosen: ") + count + (de ? " Projekte, zusammen " : " projects, together ") +
        money(cost) + (de ? " von " : " of ") + money(budget);
    }
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
