// aimsbook serve: live reload and the error overlay. Injected only by `aimsbook serve`.
// Source text (messages, file names, source lines) is only ever set as text, never as HTML.
(function () {
  "use strict";
  var buildId = null;
  // The failed rebuild whose overlay was closed ("build:result"): it stays closed, on this page
  // and the next ones opened in this tab, until another result comes.
  var dismissed = null;
  try { dismissed = sessionStorage.getItem("aimsbook-dismissed"); } catch (e) { /* storage off */ }
  function remember(key) {
    dismissed = key;
    try {
      if (key === null) sessionStorage.removeItem("aimsbook-dismissed");
      else sessionStorage.setItem("aimsbook-dismissed", key);
    } catch (e) { /* storage off */ }
  }
  var lastFocus = null;

  function el(tag, css, text) {
    var e = document.createElement(tag);
    if (css) e.style.cssText = css;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function close() {
    var box = document.getElementById("aimsbook-overlay");
    if (!box) return;
    remember(box.getAttribute("data-result"));
    box.remove();
    if (lastFocus && lastFocus.focus && document.contains(lastFocus)) lastFocus.focus();
    lastFocus = null;
  }

  // The source line and a caret under the span, as the terminal shows them.
  function snippet(d) {
    if (typeof d.line_text !== "string" || !d.line) return null;
    var num = String(d.line);
    var pad = new Array(num.length + 1).join(" ");
    var col = Math.max(1, d.column || 1);
    var chars = Array.from(d.line_text);
    var width = Math.min(Math.max(chars.length - (col - 1), 1), Math.max(1, d.span || 1));
    var pre = el("pre", "margin:.25rem 0 .1rem;padding:0;white-space:pre;overflow-x:auto;font:inherit;color:#c9d1d9");
    pre.className = "aimsbook-snippet";
    pre.appendChild(el("span", "color:#7aa2f7", pad + " |\n" + num + " | "));
    pre.appendChild(el("span", "", d.line_text));
    pre.appendChild(el("span", "color:#7aa2f7", "\n" + pad + " | "));
    var caret = el("span", "color:#ff9592;font-weight:700",
      new Array(col).join(" ") + new Array(width + 1).join("^"));
    caret.className = "aimsbook-caret";
    pre.appendChild(caret);
    return pre;
  }

  function overlay(diagnostics, more, result) {
    var key = buildId + ":" + result;
    var old = document.getElementById("aimsbook-overlay");
    var hadFocus = old && old.contains(document.activeElement);
    if (old) old.remove();
    if (!diagnostics || !diagnostics.length) { if (dismissed !== null) remember(null); return; }
    if (dismissed === key) return;
    if (dismissed !== null) remember(null);
    var box = el("div", "position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:45vh;overflow:auto;z-index:99999;" +
      "background:#1c2430;color:#f5f7f9;border-left:6px solid #e5484d;border-radius:8px;padding:1rem 1.2rem;" +
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 8px 30px rgba(0,0,0,.35)");
    box.id = "aimsbook-overlay";
    box.setAttribute("role", "alert");
    box.setAttribute("data-result", key);
    var button = el("button", "position:sticky;top:0;float:right;margin:-.4rem -.6rem 0 .5rem;background:#2d3748;" +
      "color:#f5f7f9;border:1px solid #4a5568;border-radius:4px;font:inherit;line-height:1;padding:.3rem .55rem;cursor:pointer", "×");
    button.type = "button";
    button.className = "aimsbook-overlay-close";
    button.setAttribute("aria-label", "Close the error list (Escape)");
    button.title = "Close (Escape); it comes back with the next failed save";
    button.addEventListener("click", close);
    box.appendChild(button);
    box.appendChild(el("div", "font-weight:700;margin-bottom:.5rem;color:#ff9592",
      "The last save did not build — showing the last good version. Fix these and save again:"));
    diagnostics.forEach(function (d) {
      var item = el("div", "margin:.4rem 0 .6rem");
      item.className = "aimsbook-error";
      var where = d.file ? d.file + (d.line ? ":" + d.line + (d.column ? ":" + d.column : "") : "") + " " : "";
      item.appendChild(el("div", "white-space:pre-wrap", d.severity + "[" + d.code + "] " + where + d.message));
      var code = snippet(d);
      if (code) item.appendChild(code);
      if (d.help) item.appendChild(el("div", "white-space:pre-wrap;color:#a9b4c2", "= help: " + d.help));
      box.appendChild(item);
    });
    if (more) box.appendChild(el("div", "", "… and " + more + " more (see the terminal)"));
    document.body.appendChild(box);
    if (hadFocus) button.focus();
  }

  document.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && document.getElementById("aimsbook-overlay")) close();
  });
  document.addEventListener("focusin", function (e) {
    var box = document.getElementById("aimsbook-overlay");
    if (box && !box.contains(e.target)) lastFocus = e.target;
  });

  function connect() {
    var events = new EventSource("/__aimsbook/events");
    events.addEventListener("hello", function (e) {
      var msg = JSON.parse(e.data);
      // A different build id after a reconnect means the server restarted or rebuilt meanwhile.
      if (buildId !== null && buildId !== msg.build) { location.reload(); return; }
      buildId = msg.build;
      overlay(msg.errors, msg.more, msg.result);
    });
    events.addEventListener("reload", function (e) {
      buildId = JSON.parse(e.data).build;
      location.reload();
    });
    events.addEventListener("errors", function (e) {
      var msg = JSON.parse(e.data);
      overlay(msg.errors, msg.more, msg.result);
    });
  }

  if (window.EventSource) connect();
})();
