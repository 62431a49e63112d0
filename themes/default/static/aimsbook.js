// aimsbook portal helpers: sortable and filterable tables. No network, no dependencies;
// pages stay complete and readable without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }

  function compare(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && String(na) === a.replace(/^0+(?=\d)/, "") && String(nb) === b.replace(/^0+(?=\d)/, "")) return na - nb;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortTable(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("area-head"); });
      rows.sort(function (r1, r2) {
        var c = compare(cellValue(r1, index), cellValue(r2, index));
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortTable(table, index, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, index, th); }
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    var counter = document.querySelector('[data-count-for="' + input.getAttribute("data-filter") + '"]');
    if (!table) return;
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0, total = 0;
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          if (row.classList.contains("area-head")) return;
          total++;
          var text = row.textContent.toLowerCase();
          var match = terms.every(function (t) { return text.indexOf(t) !== -1; });
          row.hidden = !match;
          if (match) shown++;
        });
      });
      if (counter) counter.textContent = terms.length ? shown + " of " + total + " shown" : total + " rows";
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
