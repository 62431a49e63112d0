// aimsbook portal helpers: sortable and filterable tables. No network, no dependencies;
// pages stay complete and readable without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The navigation is open as written (it works without script); a phone-width screen folds it
  // behind its Menu button, and a screen that grows past that width shows it again.
  (function () {
    var menu = document.querySelector("details.menu");
    if (!menu || !window.matchMedia) return;
    var narrow = window.matchMedia("(max-width: 900px)");
    function fit() { menu.open = !narrow.matches; }
    fit();
    if (narrow.addEventListener) narrow.addEventListener("change", fit);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && narrow.matches && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  })();

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

  function dataRows(table) {
    var out = [];
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (r) { if (!r.classList.contains("area-head")) out.push(r); });
    });
    return out;
  }

  // Sorting sorts the whole table: a table grouped by area (the SoA) is flattened into one
  // list, its area headers hidden, since a sort across areas has no groups left to show.
  function sortTable(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = dataRows(table), body = table.tBodies[0];
    if (table.tBodies.length > 1 || body.querySelector(".area-head")) {
      table.classList.add("flat");
      Array.prototype.forEach.call(table.querySelectorAll("tr.area-head"), function (h) { h.hidden = true; });
    }
    rows.sort(function (r1, r2) {
      var c = compare(cellValue(r1, index), cellValue(r2, index));
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    applyFilters(table);
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      if (!th.title) th.title = "Sort by this column";
      else th.title += " (sort by this column)";
      th.addEventListener("click", function () { sortTable(table, index, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, index, th); }
      });
    });
  });

  // Filters: words typed, states chosen (SoA), a heat-map cell (risk register). A row shows when
  // it passes every kind of filter; area headers with no rows left are hidden; an empty result
  // says so.
  var filters = {};
  function filtersOf(table) {
    return filters[table.id] || (filters[table.id] = { terms: [], states: [], cell: null });
  }

  function applyFilters(table) {
    var f = filtersOf(table), shown = 0, total = 0;
    var counter = document.querySelector('[data-count-for="' + table.id + '"]');
    var flat = table.classList.contains("flat");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var head = null, visible = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.classList.contains("area-head")) { head = row; return; }
        total++;
        var text = row.textContent.toLowerCase();
        var match = f.terms.every(function (t) { return text.indexOf(t) !== -1; }) &&
          (!f.states.length || f.states.indexOf(row.getAttribute("data-state")) !== -1) &&
          (!f.cell || row.getAttribute("data-" + f.cell.name) === f.cell.value);
        row.hidden = !match;
        if (match) { shown++; visible++; }
      });
      if (head) head.hidden = flat || visible === 0;
    });
    var filtered = f.terms.length || f.states.length || f.cell;
    if (counter) counter.textContent = filtered ? shown + " of " + total + " shown" : total + " rows";
    var empty = document.getElementById(table.id + "-empty");
    if (!empty) {
      empty = document.createElement("p");
      empty.id = table.id + "-empty";
      empty.className = "filter-empty";
      empty.setAttribute("role", "status");
      table.parentNode.insertBefore(empty, table.nextSibling);
    }
    empty.textContent = filtered && !shown ? "No rows match these filters." : "";
    empty.hidden = !(filtered && !shown);
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) return;
    function apply() {
      filtersOf(table).terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      applyFilters(table);
    }
    input.addEventListener("input", apply);
    apply();
  });

  // The SoA's counts by state become toggle buttons filtering the table.
  Array.prototype.forEach.call(document.querySelectorAll("[data-state-filter]"), function (ul) {
    var table = document.getElementById(ul.getAttribute("data-state-filter"));
    if (!table) return;
    ul.classList.add("state-filters");
    Array.prototype.forEach.call(ul.querySelectorAll("li[data-state]"), function (li) {
      var state = li.getAttribute("data-state"), button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.title = "Show only these controls (choose several to combine)";
      while (li.firstChild) button.appendChild(li.firstChild);
      li.appendChild(button);
      button.addEventListener("click", function () {
        var f = filtersOf(table), on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        f.states = f.states.filter(function (s) { return s !== state; });
        if (on) f.states.push(state);
        applyFilters(table);
      });
    });
  });

  // Heat-map cells on the risk register: one chosen cell filters the table to its risks.
  Array.prototype.forEach.call(document.querySelectorAll("table[data-heat]"), function (map) {
    var table = document.getElementById(map.getAttribute("data-heat-for"));
    if (!table) return;
    var name = map.getAttribute("data-heat");
    Array.prototype.forEach.call(map.querySelectorAll("button[data-cell]"), function (button) {
      button.addEventListener("click", function () {
        var f = filtersOf(table), on = button.getAttribute("aria-pressed") !== "true";
        Array.prototype.forEach.call(document.querySelectorAll("table[data-heat] button[aria-pressed]"), function (b) {
          b.setAttribute("aria-pressed", "false");
        });
        button.setAttribute("aria-pressed", on ? "true" : "false");
        f.cell = on ? { name: name, value: button.getAttribute("data-cell") } : null;
        applyFilters(table);
      });
    });
  });
  // A dashboard heat-map cell links here as #heat-NAME-LxI: choose that cell.
  function cellFromHash() {
    var m = /^#heat-(\w+)-(\d+x\d+)$/.exec(location.hash);
    if (!m) return;
    var b = document.querySelector('table[data-heat="' + m[1] + '"] button[data-cell="' + m[2] + '"]');
    if (b && b.getAttribute("aria-pressed") !== "true" && !b.disabled) {
      b.click();
      b.focus();
    }
  }
  cellFromHash();
  window.addEventListener("hashchange", cellFromHash);

  // Search: the index is a script (search/index.js) loaded on first use, so it works from
  // file:// as well as from a server. The input follows the WAI-ARIA combobox pattern: the
  // results are a listbox, arrow keys move the active option, Enter opens it, Escape closes.
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var root = document.body.getAttribute("data-root") || "";
  var active = -1, lastResults = [], lastQuery = "", showAll = false, byFirst = null;
  var PAGE = 30;

  function load(done) {
    if (window.AIMSBOOK_SEARCH) return done();
    var s = document.createElement("script");
    s.src = root + "search/index.js";
    s.onload = done;
    s.onerror = function () {
      list.innerHTML = '<li class="empty" role="option" aria-disabled="true">The search index could not be loaded.</li>';
      open(true);
    };
    document.head.appendChild(s);
  }

  // Common spellings of framework ids, turned into the ids the index holds:
  // "Article 9", "Art 9", "art. 9" → art.9; "A 6.2.4" → a.6.2.4; "GOVERN 1.1", "GV 1.1" → gv-1.1.
  var NIST = { govern: "gv", map: "mp", measure: "ms", manage: "mg", gv: "gv", mp: "mp", ms: "ms", mg: "mg" };
  // A rewrite is kept only when the index holds the id it makes.
  function normalise(q, idx) {
    function known(id, m) { return idx.terms[id] || idx.common.indexOf(id) !== -1 ? id : m; }
    return q.toLowerCase()
      .replace(/\b(?:article|art)\s*\.?\s*(\d+[a-z]?)\b/g, function (m, n) { return known("art." + n, m); })
      .replace(/\b(govern|map|measure|manage|gv|mp|ms|mg)\s*[-.\s]?\s*(\d+(?:\.\d+)*)\b/g, function (m, f, n) { return known(NIST[f] + "-" + n, m); })
      .replace(/(^|[^\p{L}\p{N}.\-_:])([a-z])\s*[.\s]\s*(\d+(?:\.\d+)*)(?![\p{L}\p{N}])/gu, function (m, pre, l, n) {
        var id = known(l + "." + n, null);
        return id ? pre + id : m;
      });
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

  // Edit distance of a and b, or max + 1 once it must exceed max (a banded Levenshtein).
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev = [], cur = [], i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var c = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) c = Math.min(c, prev2[j - 2] + 1);
        cur[j] = c;
        if (c < best) best = c;
      }
      if (best > max) return max + 1;
      var prev2 = prev;
      prev = cur;
    }
    return prev[b.length];
  }

  // Terms of the index within one or two typos of t: only words of five letters or more, and
  // only index terms of similar length that start with the same letter.
  function fuzzy(idx, t) {
    if (t.length < 5 || /[\d.\-_:]/.test(t)) return [];
    var max = t.length >= 9 ? 2 : 1;
    if (!byFirst) {
      byFirst = {};
      for (var k in idx.terms) (byFirst[k[0]] = byFirst[k[0]] || []).push(k);
    }
    return (byFirst[t[0]] || []).filter(function (k) {
      return Math.abs(k.length - t.length) <= max && distance(t, k, max) <= max;
    });
  }

  // Pages matching every term of q (the last also as a prefix; a word not in the index by its
  // near spellings), ranked; and the terms that matched, for highlighting.
  function search(q) {
    // `words`: what to look for in a snippet: each word as typed (it starts the words it found
    // as a prefix), or the spellings it was corrected to.
    var idx = window.AIMSBOOK_SEARCH, nq = normalise(q, idx), toks = tokens(nq), hits = null, matched = [], typo = {}, words = [];
    toks.forEach(function (t, i) {
      if (idx.common.indexOf(t) !== -1) { matched.push(t); words.push(t); return; }
      var found = {}, any = false;
      function add(k) { decode(idx.terms[k]).forEach(function (n) { found[n] = true; }); matched.push(k); any = true; }
      if (idx.terms[t]) add(t);
      if (i === toks.length - 1 && t.length >= 2) {
        for (var k in idx.terms) if (k.length > t.length && k.lastIndexOf(t, 0) === 0) add(k);
      }
      if (any) words.push(t);
      else fuzzy(idx, t).forEach(function (k) { add(k); typo[k] = true; words.push(k); });
      if (hits === null) { hits = found; return; }
      var both = {};
      for (var n in hits) if (found[n]) both[n] = true;
      hits = both;
    });
    // Only words found on most pages (listed as common): every page matches.
    if (hits === null && toks.length && matched.length === toks.length) {
      hits = {};
      idx.pages.forEach(function (p, n) { hits[n] = true; });
    }
    if (hits === null) return { pages: [], nums: [], terms: matched, words: words, rare: [] };
    var ql = nq.trim();
    var ranked = Object.keys(hits).map(function (n) {
      var p = idx.pages[n], id = p[2].toLowerCase(), title = p[3].toLowerCase();
      var score = (id === ql ? 100 : 0) + (id.indexOf(ql) !== -1 ? 40 : 0) + (title.indexOf(ql) !== -1 ? 20 : 0);
      toks.forEach(function (t) {
        if (id === t) score += 30;
        if (title.indexOf(t) !== -1) score += 5;
      });
      matched.forEach(function (k) { if (title.indexOf(k) !== -1 || id === k) score += typo[k] ? 3 : 4; });
      return [score, +n];
    });
    ranked.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    return {
      pages: ranked.map(function (r) { return idx.pages[r[1]]; }),
      nums: ranked.map(function (r) { return r[1]; }),
      terms: matched,
      words: words,
      rare: words.filter(function (k) { return idx.common.indexOf(k) === -1; })
    };
  }

  // Text with the matched terms (and words starting with them) in <mark>.
  function highlight(el, text, terms) {
    var words = terms.filter(function (t) { return t.length >= 2; })
      .map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    if (!words.length) { el.textContent = text; return; }
    words.sort(function (a, b) { return b.length - a.length; });
    var re = new RegExp("(^|[^\\p{L}\\p{N}])(" + words.join("|") + ")", "giu"), last = 0, m;
    while ((m = re.exec(text))) {
      var at = m.index + m[1].length;
      el.appendChild(document.createTextNode(text.slice(last, at)));
      var mark = document.createElement("mark");
      mark.textContent = m[2];
      el.appendChild(mark);
      last = at + m[2].length;
      if (re.lastIndex === m.index) re.lastIndex++;
    }
    el.appendChild(document.createTextNode(text.slice(last)));
  }

  // The excerpt shards (search/text/N.js) the shown results need, each loaded once, as
  // scripts (so from file:// too); `done` runs when all have loaded or failed.
  var shardState = {};
  function loadShards(nums, done) {
    var idx = window.AIMSBOOK_SEARCH, want = {}, waiting = 0;
    nums.forEach(function (n) { if (n < (idx.texts || 0)) want[Math.floor(n / idx.shard)] = true; });
    Object.keys(want).forEach(function (k) {
      if (window.AIMSBOOK_TEXT && window.AIMSBOOK_TEXT[k]) return;
      waiting++;
      var finish = function () { if (--waiting === 0) done(); };
      if (shardState[k]) { shardState[k].push(finish); return; }
      shardState[k] = [finish];
      var s = document.createElement("script");
      s.src = root + "search/text/" + k + ".js";
      s.onload = s.onerror = function () {
        var waiters = shardState[k];
        shardState[k] = null;
        waiters.forEach(function (f) { f(); });
      };
      document.head.appendChild(s);
    });
    if (!waiting) done();
  }

  function excerptOf(n) {
    var idx = window.AIMSBOOK_SEARCH, shard = window.AIMSBOOK_TEXT && window.AIMSBOOK_TEXT[Math.floor(n / idx.shard)];
    return (shard && shard[n % idx.shard]) || "";
  }

  // About 160 characters of `text` around the first place a searched word (preferring the rarer
  // ones) starts a word; null when none does.
  function around(text, terms) {
    var at = -1;
    terms.forEach(function (t) {
      if (t.length < 2) return;
      var re = new RegExp("(^|[^\\p{L}\\p{N}])" + t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "iu");
      var m = re.exec(text);
      if (m && (at < 0 || m.index + m[1].length < at)) at = m.index + m[1].length;
    });
    if (at < 0) return null;
    var start = Math.max(0, at - 60), end = Math.min(text.length, start + 160);
    if (start > 0) { var sp = text.indexOf(" ", start); if (sp !== -1 && sp < at) start = sp + 1; }
    if (end < text.length) { var ep = text.lastIndexOf(" ", end); if (ep > at) end = ep; }
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  // The snippet of result n: the words around the match, else the summary, else the start.
  function snippetOf(n, summary, res) {
    var text = excerptOf(n);
    var near = text && (around(text, res.rare) || around(text, res.words));
    if (near) return near;
    if (summary) return summary;
    return text.length > 160 ? text.slice(0, text.lastIndexOf(" ", 160) > 80 ? text.lastIndexOf(" ", 160) : 160) + " …" : text;
  }

  function open(yes) {
    list.hidden = !yes;
    input.setAttribute("aria-expanded", yes ? "true" : "false");
    if (!yes) setActive(-1);
  }

  function options() { return list.querySelectorAll('[role="option"]:not([aria-disabled="true"])'); }

  function setActive(i) {
    var items = options();
    Array.prototype.forEach.call(items, function (o) { o.classList.remove("active"); o.setAttribute("aria-selected", "false"); });
    active = i;
    if (i < 0 || !items[i]) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    items[i].classList.add("active");
    items[i].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", items[i].id);
    items[i].scrollIntoView({ block: "nearest" });
  }

  function render() {
    var q = lastQuery, res = lastResults, pages = res.pages || [];
    list.innerHTML = "";
    var head = document.createElement("li");
    head.className = "search-count";
    head.setAttribute("role", "presentation");
    head.textContent = pages.length ? (pages.length === 1 ? "1 result" : pages.length + " results") +
      (pages.length > PAGE && !showAll ? ", showing the first " + PAGE : "") : "No page matches “" + q + "”.";
    list.appendChild(head);
    if (status) status.textContent = head.textContent;
    var shown = showAll ? pages : pages.slice(0, PAGE), snippets = [];
    shown.forEach(function (p, i) {
      var li = document.createElement("li"), a = document.createElement("a");
      li.setAttribute("role", "option");
      li.id = "search-opt-" + i;
      li.setAttribute("aria-selected", "false");
      a.href = root + p[0];
      a.tabIndex = -1;
      var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = p[1];
      var id = document.createElement("span"); id.className = "id"; highlight(id, p[2], res.terms);
      var title = document.createElement("span"); title.className = "title"; highlight(title, " " + p[3], res.terms);
      var snip = document.createElement("span"); snip.className = "snippet"; highlight(snip, p[4], res.terms);
      snippets.push([snip, res.nums[i], p[4]]);
      a.appendChild(kind); a.appendChild(id); a.appendChild(title); a.appendChild(snip);
      li.appendChild(a);
      list.appendChild(li);
    });
    // The words around each match, once the excerpts of the shown results have loaded (unless
    // another search has replaced this list by then).
    var drawn = list;
    var seq = drawn.searchSeq = (drawn.searchSeq || 0) + 1;
    loadShards(snippets.map(function (x) { return x[1]; }), function () {
      if (drawn.searchSeq !== seq) return;
      snippets.forEach(function (x) {
        var text = snippetOf(x[1], x[2], res);
        if (text === x[0].textContent) return;
        x[0].textContent = "";
        highlight(x[0], text, res.terms);
      });
    });
    if (shown.length < pages.length) {
      var more = document.createElement("li");
      more.setAttribute("role", "option");
      more.id = "search-opt-more";
      more.className = "search-more";
      more.setAttribute("data-more", "");
      more.textContent = "Show all " + pages.length + " results";
      list.appendChild(more);
    }
  }

  function show() {
    var q = input.value.trim();
    showAll = false;
    if (!q) { open(false); list.innerHTML = ""; if (status) status.textContent = ""; return; }
    lastQuery = q;
    lastResults = search(q);
    render();
    open(true);
    active = -1;
    input.removeAttribute("aria-activedescendant");
  }

  function expand() {
    var keep = active;
    showAll = true;
    render();
    setActive(keep);
  }

  function choose(option) {
    if (!option) return;
    if (option.hasAttribute("data-more")) { expand(); input.focus(); return; }
    var a = option.querySelector("a");
    if (a) window.location.href = a.href;
  }

  var status = null;
  if (input && list) {
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", "search-results");
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(status);
    input.addEventListener("focus", function () { load(function () {}); });
    input.addEventListener("input", function () { load(show); });
    input.addEventListener("keydown", function (e) {
      var n = options().length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { if (input.value.trim()) load(show); return; }
        if (!n) return;
        var d = e.key === "ArrowDown" ? 1 : -1;
        setActive(active < 0 ? (d > 0 ? 0 : n - 1) : (active + d + n) % n);
      } else if (e.key === "Enter") {
        if (list.hidden) return;
        var items = options();
        var target = items[active >= 0 ? active : 0];
        if (target) { e.preventDefault(); choose(target); }
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); open(false); }
        else if (input.value) { e.preventDefault(); input.value = ""; show(); }
      }
    });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var opt = e.target.closest('[role="option"]');
      if (opt && opt.hasAttribute("data-more")) { e.preventDefault(); expand(); input.focus(); }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "/" && document.activeElement !== input && !/input|textarea|select/i.test(document.activeElement.tagName)) {
        e.preventDefault();
        input.focus();
      }
    });
    document.addEventListener("click", function (e) {
      if (!list.contains(e.target) && e.target !== input) open(false);
    });
  }

  // On-page contents for documents with three or more sections, drawn from their headings (so
  // pages do not carry them twice). Beside the text on wide screens, above it on narrow ones.
  (function () {
    var prose = document.querySelector("article.prose");
    if (!prose) return;
    var heads = prose.querySelectorAll("h2[id], h3[id]");
    if (heads.length < 3) return;
    var nav = document.createElement("nav");
    nav.className = "toc";
    nav.setAttribute("aria-label", "On this page");
    var title = document.createElement("p");
    title.className = "toc-title";
    title.textContent = "On this page";
    nav.appendChild(title);
    var ol = document.createElement("ol");
    heads.forEach(function (h) {
      var li = document.createElement("li");
      li.className = "toc-" + h.tagName.charAt(1);
      var a = document.createElement("a");
      a.href = "#" + h.id;
      a.textContent = h.textContent;
      li.appendChild(a);
      ol.appendChild(li);
    });
    nav.appendChild(ol);
    prose.parentNode.insertBefore(nav, prose);
  })();

  // A table wider than the screen scrolls on its own (phones): it takes the keyboard focus, so
  // it can be scrolled without a pointer.
  function focusableScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll("main table"), function (t) {
      if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0");
      else if (t.getAttribute("tabindex") === "0") t.removeAttribute("tabindex");
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);

  // On paper a link inside the portal says which page it leads to: before printing, each link
  // to a document, control or clause that does not already show its id gets the id (and, for a
  // document, its title from search/nav.js where the page loads it) in `data-print`, which the
  // print stylesheet writes after the link. Nothing is added to the page as written.
  window.addEventListener("beforeprint", function () {
    var titles = {};
    (window.AIMSBOOK_NAV || []).forEach(function (g) {
      g.docs.forEach(function (d) { titles[d[0]] = d[1]; });
    });
    Array.prototype.forEach.call(document.querySelectorAll("main a[href]"), function (a) {
      if (a.hasAttribute("data-print")) return;
      var m = /\/(docs|controls|clauses)\/([^\/?#]+)\.html$/.exec(a.pathname || "");
      if (!m || m[2] === "index") return;
      var id = decodeURIComponent(m[2]), text = a.textContent.trim(), title = titles[id];
      if (text.indexOf(id) !== -1) return;
      a.setAttribute("data-print", title && title !== text ? id + " " + title : id);
      a.setAttribute("data-print-added", "");
    });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("a[data-print-added]"), function (a) {
      a.removeAttribute("data-print");
      a.removeAttribute("data-print-added");
    });
  });

  // The document tree, from the one shared search/nav.js (loaded deferred: it has run by the
  // time the DOM is ready). Groups are drawn when opened, so a large AIMS costs little per page.
  document.addEventListener("DOMContentLoaded", function () {
    var side = document.getElementById("sidebar");
    var tree = window.AIMSBOOK_NAV;
    if (!side || !tree || !tree.length) return;
    var root = document.body.getAttribute("data-root") || "";
    var current = side.getAttribute("data-current");
    var title = document.createElement("h2");
    title.textContent = "All documents";
    side.appendChild(title);
    tree.forEach(function (g) {
      var det = document.createElement("details");
      var sum = document.createElement("summary");
      sum.textContent = g.label + " (" + g.docs.length + ")";
      det.appendChild(sum);
      var drawn = false;
      var draw = function () {
        if (drawn) return;
        drawn = true;
        var ul = document.createElement("ul");
        g.docs.forEach(function (d) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = root + "docs/" + encodeURIComponent(d[0]) + ".html";
          var id = document.createElement("span");
          id.className = "id";
          id.textContent = d[0];
          a.appendChild(id);
          a.appendChild(document.createTextNode(" " + d[1]));
          if (d[0] === current) a.setAttribute("aria-current", "page");
          li.appendChild(a);
          ul.appendChild(li);
        });
        det.appendChild(ul);
      };
      det.addEventListener("toggle", function () { if (det.open) draw(); });
      if (g.docs.some(function (d) { return d[0] === current; })) { det.open = true; draw(); }
      side.appendChild(det);
    });
    side.hidden = false;
  });
})();
