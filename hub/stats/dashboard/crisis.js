// Crisis mode on the dashboard (issue 17): switch it on with a notice and an article, follow the
// broadcast, switch it off. The API is /api/v1/crisis (supervisor or editor).
(function () {
  "use strict";
  var box = document.getElementById("crisis");
  if (!box) return;
  var form = box.querySelector("form"), off = box.querySelector("#crisis-off"), info = box.querySelector("#crisis-info");
  var csrf = "";
  function call(method, path, body) {
    return fetch(path, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  function show(view) {
    var c = view.crisis;
    form.hidden = !!view.active; off.hidden = !view.active;
    if (!c) { info.textContent = "De crisismodus staat uit."; return; }
    var b = c.broadcast || {};
    info.textContent = (view.active ? "Aan sinds " : "Uit. Was aan vanaf ") + new Date(c.on_at).toLocaleString("nl-NL") +
      ": \u201c" + c.text + "\u201d. Bericht verstuurd aan " + (b.sent || 0) + " van " + (b.total == null ? "?" : b.total) +
      " inwoners (" + (b.state || "geen bericht") + "). Contacten tijdens de crisis: " + c.contacts + ".";
  }
  function load() { return call("GET", "/api/v1/crisis").then(function (r) { if (r.ok) show(r.body); }); }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(form);
    call("POST", "/api/v1/crisis", { text: data.get("text"), article: data.get("article"),
      keywords: String(data.get("keywords") || "").split(",").map(function (k) { return k.trim(); }).filter(Boolean),
      broadcast: data.get("broadcast") === "on" })
      .then(function (r) { if (r.ok) show(r.body); else info.textContent = r.body.error.message; });
  });
  off.addEventListener("click", function () { call("POST", "/api/v1/crisis/off", {}).then(function (r) { if (r.ok) show(r.body); }); });
  fetch("/api/v1/auth/me", { credentials: "same-origin" }).then(function (r) { return r.json(); })
    .then(function (me) { csrf = me.csrf_token || ""; return load(); }).catch(function () {});
  setInterval(load, 10000);
})();
