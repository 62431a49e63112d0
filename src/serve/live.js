// aimsbook serve: live reload and the error overlay. Injected only by `aimsbook serve`.
(function () {
  "use strict";
  var buildId = null;

  function overlay(diagnostics, more) {
    var old = document.getElementById("aimsbook-overlay");
    if (old) old.remove();
    if (!diagnostics || !diagnostics.length) return;
    var box = document.createElement("div");
    box.id = "aimsbook-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:45vh;overflow:auto;z-index:99999;" +
      "background:#1c2430;color:#f5f7f9;border-left:6px solid #e5484d;border-radius:8px;padding:1rem 1.2rem;" +
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 8px 30px rgba(0,0,0,.35)";
    var title = document.createElement("div");
    title.style.cssText = "font-weight:700;margin-bottom:.5rem;color:#ff9592";
    title.textContent = "The last save did not build — showing the last good version. Fix these and save again:";
    box.appendChild(title);
    diagnostics.forEach(function (d) {
      var line = document.createElement("div");
      line.style.whiteSpace = "pre-wrap";
      var where = d.file ? d.file + (d.line ? ":" + d.line + (d.column ? ":" + d.column : "") : "") + " " : "";
      line.textContent = d.severity + "[" + d.code + "] " + where + d.message + (d.help ? " — " + d.help : "");
      box.appendChild(line);
    });
    if (more) {
      var rest = document.createElement("div");
      rest.textContent = "… and " + more + " more (see the terminal)";
      box.appendChild(rest);
    }
    document.body.appendChild(box);
  }

  function connect() {
    var events = new EventSource("/__aimsbook/events");
    events.addEventListener("hello", function (e) {
      var msg = JSON.parse(e.data);
      // A different build id after a reconnect means the server restarted or rebuilt meanwhile.
      if (buildId !== null && buildId !== msg.build) { location.reload(); return; }
      buildId = msg.build;
      overlay(msg.errors, msg.more);
    });
    events.addEventListener("reload", function (e) {
      buildId = JSON.parse(e.data).build;
      location.reload();
    });
    events.addEventListener("errors", function (e) {
      var msg = JSON.parse(e.data);
      overlay(msg.errors, msg.more);
    });
  }

  if (window.EventSource) connect();
})();
