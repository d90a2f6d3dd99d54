/* KCC web chat widget. Embed on any page of the municipality's site with one tag:
 *   <script src="https://HUB/static/widget.js" data-hub="https://HUB" async></script>
 * Options (data-attributes):
 *   data-hub          hub base URL (default: the script's origin)
 *   data-inline="#id" render inside that element instead of a floating button
 *   data-title        header text while the digital assistant answers (default "Chat met de gemeente")
 *   data-open="true"  on a host page: start opened (default: minimised to the "Chat" button)
 *   data-suggestions  suggestions to tap instead of the hub's (webchat_welcome.yaml): a JSON list of
 *                     strings or of {"title", "text"} objects
 * Look: the hub's theme (KCC_THEME_FILE, NL Design System tokens) from HUB/static/nlds/widget.css;
 * every rule there starts at the widget's own elements, so the host page keeps its own look.
 * The widget tells the bot which page it is on (page_url). Open or closed is kept per browser tab.
 * Everything from the hub is put on the page as text; only http(s) and www. links become <a> elements.
 * A bot button with the payload "widget:photo" opens the photo picker (POST /api/v1/webchat/photos),
 * "widget:location" shares the browser's location: the melding form asks for them only here.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var hub = data.hub || new URL(script.src).origin;
  var inlineSel = data.inline;
  var title = data.title || "Chat met de gemeente";
  var KEY = "kcc-session", OPEN_KEY = "kcc-open";
  var sessionId = localStorage.getItem(KEY);
  if (!sessionId) {
    sessionId = "w-" + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
    localStorage.setItem(KEY, sessionId);
  }
  var conversationId = localStorage.getItem(KEY + "-conv");
  var lastWho = null, lastSeq = 0, seen = {}, socket = null, pollTimer = null, pending = [], state = null;

  // [hidden] must win over the display rules below, or the widget can never be closed
  // Fallbacks until the theme's widget.css (below) has loaded; it sets --kcc-primary, --kcc-focus and --kcc-font.
  var blue = "var(--kcc-primary,#154273)";
  var css = ".kcc-w[hidden],.kcc-w [hidden],.kcc-fab[hidden]{display:none!important}" +
    ".kcc-w{font:16px/1.45 var(--kcc-font,system-ui,sans-serif);color:#1b1b1b;display:flex;flex-direction:column;background:#fff;border:1px solid #c8c8c8;border-radius:10px;overflow:hidden;text-align:left}" +
    ".kcc-w *{box-sizing:border-box}" +
    ".kcc-w header{background:" + blue + ";color:#fff;padding:6px 6px 6px 14px;font-weight:600;display:flex;justify-content:space-between;align-items:center;gap:8px}" +
    ".kcc-w header .kcc-title{display:flex;flex-direction:column;min-width:0}.kcc-w header small{font-weight:400;font-size:13px}" +
    ".kcc-w header button{background:none;border:0;color:#fff;font:inherit;font-size:22px;cursor:pointer;min-width:44px;min-height:44px;border-radius:6px}" +
    ".kcc-w header .kcc-end{font-size:14px;text-decoration:underline;padding:0 8px}" +
    ".kcc-w button:focus-visible,.kcc-w a:focus-visible,.kcc-log:focus-visible{outline:3px solid var(--kcc-focus,#ffbf47);outline-offset:1px;box-shadow:0 0 0 5px #0b0c0c}" +
    ".kcc-w input:focus-visible,.kcc-w form button:focus-visible,.kcc-w header button:focus-visible{outline:3px solid var(--kcc-focus,#ffbf47);outline-offset:-3px;box-shadow:inset 0 0 0 5px #0b0c0c}" +
    ".kcc-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f6f7}" +
    ".kcc-msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".kcc-in{align-self:flex-end;background:" + blue + ";color:#fff}.kcc-in a{color:#fff}.kcc-pending{opacity:.8}" +
    ".kcc-out{align-self:flex-start;background:#fff;border:1px solid #dcdcdc}.kcc-out a{color:" + blue + "}" +
    ".kcc-agent{border-color:#b35000;border-left-width:4px}.kcc-system{align-self:center;background:#eef2f7;border:0;font-size:14px;text-align:center}" +
    ".kcc-who{font-size:13px;color:#4a4a4a;margin-bottom:2px;font-weight:600;white-space:normal}" +
    ".kcc-btns{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px;white-space:normal}.kcc-btns button{border:1px solid " + blue + ";background:#fff;color:" + blue + ";border-radius:22px;padding:8px 14px;min-height:44px;cursor:pointer;font:inherit;font-size:15px}" +
    ".kcc-btns button:hover{background:#e8eef6}" +
    ".kcc-typing{align-self:flex-start;font-size:14px;color:#4a4a4a;padding:4px 12px}.kcc-typing span{display:inline-block;animation:kcc-dot 1.2s infinite}.kcc-typing span:nth-child(2){animation-delay:.2s}.kcc-typing span:nth-child(3){animation-delay:.4s}" +
    "@keyframes kcc-dot{0%,60%,100%{opacity:.25}30%{opacity:1}}@media (prefers-reduced-motion:reduce){.kcc-typing span{animation:none}}" +
    ".kcc-w form{display:flex;border-top:1px solid #ddd}.kcc-w input{flex:1;min-width:0;border:0;padding:12px;font:inherit;min-height:48px}.kcc-w form button{border:0;background:" + blue + ";color:#fff;padding:0 16px;font:inherit;cursor:pointer;min-width:44px;min-height:48px}" +
    ".kcc-crisis{font-size:15px;padding:8px 12px;background:#fde8e8;border-bottom:3px solid #a4000f;color:#1b1b1b}" +
    ".kcc-state{font-size:14px;color:#1b1b1b;padding:8px 12px;background:#fff4d6;border-top:1px solid #f0d48a}" +
    ".kcc-fb{align-self:flex-start;font-size:14px;display:flex;flex-wrap:wrap;align-items:center;gap:4px}.kcc-fb button{min-width:44px;min-height:44px;border:1px solid #767676;background:#fff;border-radius:22px;cursor:pointer;font:inherit}" +
    ".kcc-fb form{display:flex;gap:4px;border:0;width:100%}.kcc-fb input{border:1px solid #767676;min-height:44px;padding:6px}.kcc-fb label{display:flex;flex-direction:column}" +
    ".kcc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    ".kcc-fab{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:" + blue + ";color:#fff;border:0;border-radius:28px;padding:14px 22px;min-height:48px;font:600 16px system-ui,sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}" +
    ".kcc-fab:focus-visible{outline:3px solid var(--kcc-focus,#ffbf47);outline-offset:2px}" +
    ".kcc-float{position:fixed;right:20px;bottom:84px;width:min(380px,calc(100vw - 40px));height:min(560px,calc(100vh - 120px));z-index:2147483000;box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    "@media (max-width:480px){.kcc-float{right:8px;left:8px;width:auto;bottom:76px;height:calc(100vh - 92px)}}";
  var style = document.createElement("style"); style.textContent = css; document.head.appendChild(style);
  // The municipality's theme (NL Design System tokens, scoped to the widget) from the hub, after the rules above.
  var theme = document.createElement("link"); theme.rel = "stylesheet"; theme.href = hub + "/static/nlds/widget.css";
  document.head.appendChild(theme);

  var root = document.createElement("section");
  root.className = "kcc-w"; root.setAttribute("aria-label", title);
  root.innerHTML = '<header><span class="kcc-title"><span class="kcc-name"></span><small class="kcc-sub" hidden></small></span>' +
    '<span><button type="button" class="kcc-end" hidden>Gesprek beëindigen</button>' +
    '<button type="button" aria-label="Chat sluiten" class="kcc-close">&times;</button></span></header>' +
    '<div class="kcc-crisis" role="status" hidden></div>' +
    '<div class="kcc-log" role="log" aria-live="polite" aria-label="Berichten" tabindex="0"></div>' +
    '<div class="kcc-typing" role="status" hidden>Er wordt getypt<span>.</span><span>.</span><span>.</span></div>' +
    '<div class="kcc-state" role="status" hidden></div>' +
    '<input type="file" class="kcc-file" accept="image/jpeg,image/png,image/heic,image/heif,image/webp" hidden aria-label="Foto kiezen" tabindex="-1">' +
    '<form><label class="kcc-sr" for="kcc-text">Uw bericht</label>' +
    '<input id="kcc-text" name="text" autocomplete="off" maxlength="4000" placeholder="Typ uw vraag..." />' +
    '<button type="submit">Verstuur</button></form>';
  var log = root.querySelector(".kcc-log"), form = root.querySelector("form"), input = form.querySelector("input");
  var stateBar = root.querySelector(".kcc-state"), typing = root.querySelector(".kcc-typing");
  var nameEl = root.querySelector(".kcc-name"), subEl = root.querySelector(".kcc-sub");
  var fileInput = root.querySelector(".kcc-file");
  nameEl.textContent = title;

  var fab = null;
  function setOpen(open, focus) {
    root.hidden = !open;
    if (fab) { fab.setAttribute("aria-expanded", String(open)); fab.textContent = open ? "Chat sluiten" : "Chat"; }
    try { sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* private mode */ }
    if (open && focus) input.focus();
    if (!open && focus && fab) fab.focus();
  }
  if (inlineSel) {
    root.querySelector(".kcc-close").hidden = true;
    root.style.height = "100%";
    document.querySelector(inlineSel).appendChild(root);
  } else {
    root.classList.add("kcc-float"); root.id = "kcc-chat";
    fab = document.createElement("button");
    fab.className = "kcc-fab"; fab.type = "button"; fab.setAttribute("aria-controls", "kcc-chat");
    fab.onclick = function () { setOpen(root.hidden, true); };
    root.querySelector(".kcc-close").onclick = function () { setOpen(false, true); };
    root.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false, true); });
    document.body.appendChild(fab); document.body.appendChild(root);
    var kept = null;
    try { kept = sessionStorage.getItem(OPEN_KEY); } catch (e) { /* private mode */ }
    setOpen(kept ? kept === "1" : data.open === "true", false);
  }

  // Text with its http(s) links as <a> elements; nothing else from the hub becomes markup.
  function richText(node, text) {
    var re = /\b(?:https?:\/\/|www\.)[^\s<>"']+/g, last = 0, m;
    while ((m = re.exec(text))) {
      var url = m[0].replace(/[.,;:!?)]+$/, "");
      node.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.href = /^www\./.test(url) ? "https://" + url : url;
      a.target = "_blank"; a.rel = "noopener noreferrer"; a.textContent = url;
      node.appendChild(a);
      last = m.index + url.length; re.lastIndex = last;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }
  function teamName(team) { return !team ? "" : team.length <= 4 ? team.toUpperCase() : team.charAt(0).toUpperCase() + team.slice(1).replace(/_/g, " "); }
  function speakerText(m) {
    if (m.author === "agent") {
      var s = m.speaker || {};
      return s.name ? s.name + (s.team ? " · team " + teamName(s.team) : "") + " (medewerker)" : "Medewerker";
    }
    if (m.author === "bot") return "Digitale assistent";
    return null;
  }
  function buttonsFor(list, onPick) {
    var box = document.createElement("div"); box.className = "kcc-btns";
    list.forEach(function (b) {
      var btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.title;
      btn.onclick = function () { clearChips(); onPick(b); };
      box.appendChild(btn);
    });
    return box;
  }
  function clearChips() { log.querySelectorAll(".kcc-chips").forEach(function (n) { n.remove(); }); }

  function render(m) {
    if (seen[m.id]) return; seen[m.id] = true;
    if (m.seq > lastSeq) lastSeq = m.seq;
    if (m.direction === "in" && pending.length && pending[0].text === m.text) {  // the echo we showed at once
      var p = pending.shift(); p.node.classList.remove("kcc-pending"); p.node.dataset.id = m.id; return;
    }
    var div = document.createElement("div");
    var kind = m.direction === "in" ? "kcc-in" : m.author === "system" ? "kcc-out kcc-system" : "kcc-out";
    div.className = "kcc-msg " + kind + (m.author === "agent" ? " kcc-agent" : "") + (m.intro ? " kcc-intro" : "");
    div.dataset.author = m.author; div.dataset.id = m.id;
    var who = m.direction === "in" ? null : speakerText(m);
    var repeat = who && who === lastWho;  // one name above a run of messages from the same speaker
    lastWho = who;
    if (who && !repeat) { var w = document.createElement("div"); w.className = "kcc-who"; w.textContent = who; div.appendChild(w); }
    richText(div, m.text || ownExtra(m));
    if (m.buttons && m.buttons.length) div.appendChild(buttonsFor(m.buttons, pick));
    if (m.author === "agent" && m.speaker && m.speaker.name) showSpeaker(m.speaker);
    log.appendChild(div); log.scrollTop = log.scrollHeight;
  }
  function ownExtra(m) {  // a photo or a location the resident sent, without words
    if (m.attachments && m.attachments.length) return "Foto verstuurd: " + (m.attachments[0].filename || "foto");
    if (m.location) return "Locatie gedeeld";
    return "";
  }
  function echo(text, label) {
    var div = document.createElement("div");
    div.className = "kcc-msg kcc-in kcc-pending"; div.dataset.author = "resident"; lastWho = null;
    richText(div, label || text);
    log.appendChild(div); log.scrollTop = log.scrollHeight;
    pending.push({ text: text, node: div });
  }
  // A bot button: most are sent as the resident's answer; two act here (the melding form asks for them).
  function pick(b) {
    if (b.payload === "widget:photo") { fileInput.value = ""; fileInput.click(); return; }
    if (b.payload === "widget:location") { shareLocation(); return; }
    send(b.title, b.payload);
  }
  function shareLocation() {
    if (!navigator.geolocation) { notice("Uw browser kan uw locatie niet delen. Typ de straat en het huisnummer."); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      post({ location: { latitude: pos.coords.latitude, longitude: pos.coords.longitude } }, "Locatie gedeeld");
    }, function () {
      notice("Uw locatie kon niet worden gedeeld. Typ de straat en het huisnummer.");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file) return;
    // the hub checks type and size (KCC_WEBCHAT_PHOTO_MAX_BYTES) and says what is wrong in Dutch
    var fd = new FormData();
    fd.append("session_id", sessionId); fd.append("page_url", location.href); fd.append("message_id", newMessageId());
    fd.append("file", file, file.name);
    deliver("/api/v1/webchat/photos", { method: "POST", body: fd }, "", "Foto verstuurd: " + file.name);
  });

  var endButton = root.querySelector(".kcc-end"), agentSeen = null;
  function showSpeaker(s) { agentSeen = s; if (state === "agent") header(); }
  function header() {
    if (state === "agent") {
      nameEl.textContent = agentSeen ? "U chat met " + agentSeen.name : "U chat met een medewerker";
      subEl.textContent = agentSeen && agentSeen.team ? "Team " + teamName(agentSeen.team) + " van de gemeente" : "Medewerker van de gemeente";
      subEl.hidden = false;
    } else if (state === "queued") {
      nameEl.textContent = "Wachten op een medewerker"; subEl.hidden = true;
    } else { nameEl.textContent = title; subEl.hidden = true; }
  }
  function minutesText(n) { return n <= 1 ? "ongeveer 1 minuut" : n > 60 ? "meer dan een uur" : "ongeveer " + n + " minuten"; }
  function showState(newState, place) {
    state = newState;
    var text = "";
    if (newState === "queued") {
      if (place && place.open === false) text = "Het klantcontactcentrum is nu gesloten. Laat uw telefoonnummer of e-mailadres achter, dan nemen wij contact met u op.";
      else if (place) text = "U wacht op een medewerker. " + (place.position === 1 ? "U bent de volgende." : "U bent nummer " + place.position + ".") +
        " Verwachte wachttijd: " + minutesText(place.minutes || 1) + ".";
      else text = "U wacht op een medewerker.";
    } else if (newState === "closed") text = "Dit gesprek is afgesloten. Typ een nieuw bericht om opnieuw te beginnen.";
    if (stateBar.textContent !== text) stateBar.textContent = text;
    stateBar.hidden = !text;
    endButton.hidden = !conversationId || newState === "closed" || !newState;
    header();
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
      .then(function (body) { if (body) { body.messages.forEach(render); showState(body.state, body.queue); } })
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

  // "Was dit antwoord nuttig?" under an article answer: one rating per answer, an optional comment after a no
  function askFeedback(slug) {
    var convId = conversationId, box = document.createElement("div");
    box.className = "kcc-fb";
    box.innerHTML = '<span>Was dit antwoord nuttig?</span> <button type="button" data-h="1" aria-label="Ja, nuttig">👍</button>' +
      '<button type="button" data-h="0" aria-label="Nee, niet nuttig">👎</button>';
    function rate(helpful, comment) {
      return fetch(hub + "/api/v1/webchat/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation_id: convId, article: slug, helpful: helpful, comment: comment || "" }) }).catch(function () {});
    }
    box.querySelectorAll("button").forEach(function (b) {
      b.onclick = function () {
        var helpful = b.dataset.h === "1";
        rate(helpful);
        box.textContent = "Bedankt voor uw reactie.";
        if (helpful) return;
        var f = document.createElement("form");
        f.innerHTML = '<label>Wat miste u? (niet verplicht) <input maxlength="500" name="c"></label> <button type="submit">Stuur</button>';
        f.onsubmit = function (e) { e.preventDefault(); rate(false, f.c.value); f.remove(); };
        box.appendChild(f);
      };
    });
    log.appendChild(box); log.scrollTop = log.scrollHeight;
  }
  function failed(text) {
    var p = pending.shift(); if (p) { p.node.classList.remove("kcc-pending"); if (p.label) p.node.remove(); }
    notice(text);
  }
  function notice(text) {
    render({ id: "err" + Date.now(), direction: "out", author: "system", text: text });
  }
  function newMessageId() { return String(Date.now()) + Math.random().toString(36).slice(2, 8); }
  function send(text, payload) {
    return post(payload ? { text: text, payload: payload } : { text: text });
  }
  function post(fields, label) {
    var body = { session_id: sessionId, text: "", page_url: location.href, message_id: newMessageId() };
    Object.keys(fields).forEach(function (k) { body[k] = fields[k]; });
    return deliver("/api/v1/webchat/messages", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }, body.text, label);
  }
  function deliver(path, init, text, label) {
    clearChips();
    echo(text, label);  // the resident sees their own message at once
    if (label) pending[pending.length - 1].label = true;
    typing.hidden = state === "agent" || state === "queued";  // the assistant answers; a person types on their own time
    return fetch(hub + path, init)
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (!res.ok) { failed(res.body.error ? res.body.error.message : "Er ging iets mis."); return; }
        if (conversationId !== res.body.conversation_id) { conversationId = res.body.conversation_id; localStorage.setItem(KEY + "-conv", conversationId); lastSeq = 0; }
        live();
        var meta = res.body.meta || {};
        return fetchNew().then(function () { if (meta.article && meta.state === "bot") askFeedback(meta.article); });
      })
      .catch(function () { failed("Geen verbinding. Probeer het zo opnieuw."); })
      .finally(function () { typing.hidden = true; if (!root.hidden) input.focus(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim(); if (!text) return;
    input.value = ""; send(text);
  });

  // The first words: a welcome, then the page's own question or 3-4 suggestions to tap.
  function ownSuggestions() {
    if (!data.suggestions) return null;
    try {
      return JSON.parse(data.suggestions).map(function (s) { return typeof s === "string" ? { title: s, text: s } : s; });
    } catch (e) { return null; }
  }
  function opener() {
    fetch(hub + "/api/v1/webchat/opener?page_url=" + encodeURIComponent(location.href))
      .then(function (r) { return r.json(); })
      .then(function (b) {
        if (conversationId) return;
        if (b.welcome) render({ id: "welcome", seq: 0, direction: "out", author: "bot", text: b.welcome, intro: true });
        if (b.text) { render({ id: "opener", seq: 0, direction: "out", author: "bot", text: b.text, buttons: b.buttons, intro: true }); return; }
        var chips = ownSuggestions() || b.suggestions || [];
        if (!chips.length) return;
        var box = buttonsFor(chips, function (s) { send(s.text); });
        box.classList.add("kcc-chips"); box.setAttribute("aria-label", "Suggesties");
        box.setAttribute("role", "group");
        log.appendChild(box);
      })
      .catch(function () {});
  }
  if (conversationId) { live(); fetchNew(); } else { opener(); }
  // Crisis mode (issue 17): a banner with the municipality's notice while it is on.
  fetch(hub + "/api/v1/webchat/crisis").then(function (r) { return r.json(); }).then(function (c) {
    if (!c.active) return;
    var bar = root.querySelector(".kcc-crisis"); bar.textContent = "Let op: " + c.text; bar.hidden = false;
  }).catch(function () {});
  window.KCCChat = { send: send, sessionId: sessionId, open: function () { setOpen(true, true); } };
})();
