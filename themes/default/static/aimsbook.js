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

  // Search: the index is a script (search/index.js) loaded on first use, so it works from
  // file:// as well as from a server.
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var root = document.body.getAttribute("data-root") || "";
  var active = -1;

  function load(done) {
    if (window.AIMSBOOK_SEARCH) return done();
    var s = document.createElement("script");
    s.src = root + "search/index.js";
    s.onload = done;
    s.onerror = function () { list.innerHTML = '<li class="empty">The search index could not be loaded.</li>'; list.hidden = false; };
    document.head.appendChild(s);
  }

  function tokens(q) {
    var out = [];
    q.toLowerCase().split(/[^\p{L}\p{N}.\-_:]+/u).forEach(function (raw) {
      var t = raw.replace(/^[.\-_:]+|[.\-_:]+$/g, "");
      if (t.length >= 2 || /^\d+$/.test(t)) out.push(t);
    });
    return out;
  }

  function decode(s) {
    var out = [], n = 0;
    s.split(",").forEach(function (p) { n += parseInt(p, 36); out.push(n); });
    return out;
  }

  function search(q) {
    var idx = window.AIMSBOOK_SEARCH, toks = tokens(q), hits = null;
    toks.forEach(function (t, i) {
      if (idx.common.indexOf(t) !== -1) return;
      var found = {};
      if (idx.terms[t]) decode(idx.terms[t]).forEach(function (n) { found[n] = true; });
      if (i === toks.length - 1) {
        for (var k in idx.terms) {
          if (k.length > t.length && k.lastIndexOf(t, 0) === 0) decode(idx.terms[k]).forEach(function (n) { found[n] = true; });
        }
      }
      if (hits === null) { hits = found; return; }
      var both = {};
      for (var n in hits) if (found[n]) both[n] = true;
      hits = both;
    });
    if (hits === null) return [];
    var ql = q.toLowerCase().trim();
    var ranked = Object.keys(hits).map(function (n) {
      var p = idx.pages[n], id = p[2].toLowerCase(), title = p[3].toLowerCase();
      var score = (id === ql ? 100 : 0) + (id.indexOf(ql) !== -1 ? 40 : 0) + (title.indexOf(ql) !== -1 ? 20 : 0);
      return [score, +n];
    });
    ranked.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    return ranked.slice(0, 30).map(function (r) { return idx.pages[r[1]]; });
  }

  function show() {
    var q = input.value.trim();
    active = -1;
    if (!q) { list.hidden = true; list.innerHTML = ""; return; }
    var results = search(q);
    list.innerHTML = "";
    if (!results.length) {
      var li = document.createElement("li");
      li.className = "empty";
      li.textContent = "No page matches “" + q + "”.";
      list.appendChild(li);
    }
    results.forEach(function (p) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = root + p[0];
      var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = p[1];
      var id = document.createElement("span"); id.className = "id"; id.textContent = p[2];
      var snip = document.createElement("span"); snip.className = "snippet"; snip.textContent = p[4];
      a.appendChild(kind); a.appendChild(id); a.appendChild(document.createTextNode(" " + p[3])); a.appendChild(snip);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  function move(delta) {
    var items = list.querySelectorAll("li a");
    if (!items.length) return;
    if (active >= 0) items[active].parentNode.classList.remove("active");
    active = (active + delta + items.length) % items.length;
    items[active].parentNode.classList.add("active");
    items[active].scrollIntoView({ block: "nearest" });
  }

  if (input && list) {
    input.addEventListener("focus", function () { load(function () {}); });
    input.addEventListener("input", function () { load(show); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Enter") {
        var items = list.querySelectorAll("li a");
        var target = items[active >= 0 ? active : 0];
        if (target) { e.preventDefault(); window.location.href = target.href; }
      } else if (e.key === "Escape") { list.hidden = true; input.blur(); }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "/" && document.activeElement !== input && !/input|textarea|select/i.test(document.activeElement.tagName)) {
        e.preventDefault();
        input.focus();
      }
    });
    document.addEventListener("click", function (e) {
      if (!list.contains(e.target) && e.target !== input) list.hidden = true;
    });
  }
})();
