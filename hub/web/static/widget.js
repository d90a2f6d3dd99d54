/* KCC web chat widget. Embed on any page of the municipality's site with one tag:
 *   <script src="https://HUB/static/widget.js" data-hub="https://HUB" async></script>
 * Options (data-attributes): data-hub (hub base URL; default: the script's origin),
 * data-inline="#id" (render inside that element instead of a floating button),
 * data-title (header text). The widget tells the bot which page it is on (page_url).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var hub = (script && script.dataset.hub) || new URL(script.src).origin;
  var inlineSel = script && script.dataset.inline;
  var title = (script && script.dataset.title) || "Chat met de gemeente";
  var KEY = "kcc-session";
  var sessionId = localStorage.getItem(KEY);
  if (!sessionId) {
    sessionId = "w-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
    localStorage.setItem(KEY, sessionId);
  }
  var conversationId = localStorage.getItem(KEY + "-conv");
  var lastSeq = 0, seen = {}, socket = null, pollTimer = null;

  // [hidden] must win over the display rules below, or the widget can never be closed
  var css = ".kcc-w[hidden],.kcc-w [hidden]{display:none!important}" +
    ".kcc-w{font:16px/1.45 system-ui,sans-serif;color:#1b1b1b;display:flex;flex-direction:column;background:#fff;border:1px solid #c8c8c8;border-radius:10px;overflow:hidden}" +
    ".kcc-w header{background:#154273;color:#fff;padding:10px 14px;font-weight:600;display:flex;justify-content:space-between;align-items:center}" +
    ".kcc-w header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}.kcc-w header .kcc-end{font-size:13px;text-decoration:underline}" +
    ".kcc-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f6f7}" +
    ".kcc-msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}" +
    ".kcc-in{align-self:flex-end;background:#154273;color:#fff}.kcc-out{align-self:flex-start;background:#fff;border:1px solid #dcdcdc}" +
    ".kcc-agent{border-color:#e17000}.kcc-who{font-size:12px;color:#555;margin-bottom:2px}" +
    ".kcc-btns{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}.kcc-btns button{border:1px solid #154273;background:#fff;color:#154273;border-radius:16px;padding:4px 10px;cursor:pointer;font:inherit;font-size:14px}" +
    ".kcc-w form{display:flex;border-top:1px solid #ddd}.kcc-w input{flex:1;border:0;padding:12px;font:inherit}.kcc-w form button{border:0;background:#154273;color:#fff;padding:0 16px;font:inherit;cursor:pointer}" +
    ".kcc-state{font-size:13px;color:#555;padding:4px 12px;background:#fff7e6}.kcc-fab{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#154273;color:#fff;border:0;border-radius:28px;padding:14px 20px;font:600 16px system-ui;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}" +
    ".kcc-float{position:fixed;right:20px;bottom:84px;width:min(380px,calc(100vw - 40px));height:min(560px,calc(100vh - 120px));z-index:2147483000;box-shadow:0 4px 16px rgba(0,0,0,.25)}";
  var style = document.createElement("style"); style.textContent = css; document.head.appendChild(style);

  var root = document.createElement("section");
  root.className = "kcc-w"; root.setAttribute("aria-label", title);
  root.innerHTML = '<header><span></span><span><button type="button" class="kcc-end" hidden>Gesprek beëindigen</button>' +
    '<button type="button" aria-label="Sluiten" class="kcc-close">&times;</button></span></header>' +
    '<div class="kcc-log" role="log" aria-live="polite"></div><div class="kcc-state" hidden></div>' +
    '<form><label style="position:absolute;left:-9999px" for="kcc-text">Uw bericht</label>' +
    '<input id="kcc-text" name="text" autocomplete="off" maxlength="4000" placeholder="Typ uw vraag..." />' +
    '<button type="submit">Verstuur</button></form>';
  root.querySelector("header span").textContent = title;
  var log = root.querySelector(".kcc-log"), form = root.querySelector("form"), input = root.querySelector("input");
  var stateBar = root.querySelector(".kcc-state");

  if (inlineSel) {
    root.querySelector(".kcc-close").hidden = true;
    root.style.height = "100%";
    document.querySelector(inlineSel).appendChild(root);
  } else {
    root.classList.add("kcc-float"); root.hidden = true;
    var fab = document.createElement("button");
    fab.className = "kcc-fab"; fab.type = "button"; fab.textContent = "Chat";
    fab.onclick = function () { root.hidden = !root.hidden; if (!root.hidden) input.focus(); };
    root.querySelector(".kcc-close").onclick = function () { root.hidden = true; };
    document.body.appendChild(fab); document.body.appendChild(root);
  }

  function render(m) {
    if (seen[m.id]) return; seen[m.id] = true;
    if (m.seq > lastSeq) lastSeq = m.seq;
    var div = document.createElement("div");
    div.className = "kcc-msg " + (m.direction === "in" ? "kcc-in" : "kcc-out") + (m.author === "agent" ? " kcc-agent" : "");
    div.dataset.author = m.author;
    if (m.author === "agent") { var who = document.createElement("div"); who.className = "kcc-who"; who.textContent = "Medewerker"; div.appendChild(who); }
    div.appendChild(document.createTextNode(m.text));
    if (m.buttons && m.buttons.length) {
      var box = document.createElement("div"); box.className = "kcc-btns";
      m.buttons.forEach(function (b) {
        var btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.title;
        btn.onclick = function () { send(b.title, b.payload); };
        box.appendChild(btn);
      });
      div.appendChild(box);
    }
    log.appendChild(div); log.scrollTop = log.scrollHeight;
  }

  var endButton = root.querySelector(".kcc-end");
  function showState(state) {
    var texts = { queued: "U wacht op een medewerker.", agent: "U chat nu met een medewerker.", closed: "Dit gesprek is afgesloten." };
    stateBar.hidden = !texts[state]; stateBar.textContent = texts[state] || "";
    endButton.hidden = !conversationId || state === "closed";
  }
  // The resident ends the chat: a wait in the queue ends too (the hub counts it as abandoned).
  endButton.onclick = function () {
    if (!conversationId) return;
    fetch(hub + "/api/v1/webchat/conversations/" + conversationId + "/end", { method: "POST" })
      .then(function () { return fetchNew(); })
      .then(function () { showState("closed"); })
      .catch(function () {});
  };

  function fetchNew() {
    if (!conversationId) return Promise.resolve();
    return fetch(hub + "/api/v1/webchat/conversations/" + conversationId + "/messages?after=" + lastSeq)
      .then(function (r) { if (r.status === 404) { conversationId = null; localStorage.removeItem(KEY + "-conv"); return null; } return r.json(); })
      .then(function (body) { if (body) { body.messages.forEach(render); showState(body.state); } })
      .catch(function () {});
  }

  function live() {
    if (!conversationId || socket) return;
    try {
      socket = new WebSocket(hub.replace(/^http/, "ws") + "/api/v1/webchat/conversations/" + conversationId + "/ws");
      socket.onmessage = function () { fetchNew(); };
      socket.onclose = function () { socket = null; };
    } catch (e) { socket = null; }
    if (!pollTimer) pollTimer = setInterval(function () { if (!socket) fetchNew(); }, 3000);
  }

  function send(text, payload) {
    var body = { session_id: sessionId, text: text, page_url: location.href, message_id: String(Date.now()) + Math.random().toString(36).slice(2, 8) };
    if (payload) body.payload = payload;
    input.disabled = true;
    return fetch(hub + "/api/v1/webchat/messages", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (!res.ok) { render({ id: "err" + Date.now(), direction: "out", author: "system", text: res.body.error ? res.body.error.message : "Er ging iets mis." }); return; }
        if (conversationId !== res.body.conversation_id) { conversationId = res.body.conversation_id; localStorage.setItem(KEY + "-conv", conversationId); lastSeq = 0; }
        live();
        return fetchNew();
      })
      .catch(function () { render({ id: "err" + Date.now(), direction: "out", author: "system", text: "Geen verbinding. Probeer het zo opnieuw." }); })
      .finally(function () { input.disabled = false; input.focus(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim(); if (!text) return;
    input.value = ""; send(text);
  });
  function opener() {
    fetch(hub + "/api/v1/webchat/opener?page_url=" + encodeURIComponent(location.href))
      .then(function (r) { return r.json(); })
      .then(function (b) { if (b.text && !conversationId) render({ id: "opener", seq: 0, direction: "out", author: "bot", text: b.text, buttons: b.buttons }); })
      .catch(function () {});
  }
  if (conversationId) { live(); fetchNew(); } else { opener(); }
  window.KCCChat = { send: send, sessionId: sessionId };
})();
