/* KCC-console: the agent's working screen. Vanilla JS on the JSON API under /api/v1/handover
 * and one WebSocket for live updates (no page reloads). Everything a resident or the bot wrote
 * is put on the page as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  var API = "/api/v1/handover";
  var CHANNELS = { webchat: "Webchat", whatsapp: "WhatsApp", sms: "Sms", telegram: "Telegram", email: "E-mail",
    messenger: "Messenger", instagram: "Instagram", phone: "Telefoon", desk: "Balie" };
  var AUTHORS = { resident: "Inwoner", bot: "Chatbot", agent: "Medewerker", system: "Systeem" };
  // What the bot asked, in Dutch; a slot without a label here is not shown (no internal names).
  var SLOTS = { melding_what: "Melding: wat", melding_where: "Melding: waar", melding_photo: "Melding: foto",
    melding_contact: "Melding: contact", callback_phone: "Terugbellen op", callback_subject: "Terugbellen over",
    callback_day_part: "Dagdeel", case_number: "Zaaknummer" };
  var STATES = { queued: "In de wachtrij", agent: "Bij medewerker", bot: "Bij de chatbot", closed: "Afgesloten" };
  var REFRESH_ON = ["queued", "assigned", "requeued", "transferred", "closed", "handed_back", "callback_request", "presence", "contact_moment", "specialist"];
  var RELOAD_OPEN_ON = ["assigned", "requeued", "transferred", "closed", "handed_back", "note", "callback_request", "resident_left", "delivery_failed", "specialist"];

  var csrf = null, me = null, current = null, currentData = null, socket = null, backoff = 500;
  var outcomes = {}, pendingFiles = [], pendingArticle = null, unread = {}, queueTimer = null, reloadTimer = null;
  var live = [];  // messages of the open conversation that arrived over the WebSocket
  var specialistMode = false;  // a backoffice specialist: only what the KCC asked of them (see "specialist" below)
  var $ = function (id) { return document.getElementById(id); };

  // ------------------------------------------------------------------ helpers
  var el = window.kccDom.el, clear = window.kccDom.clear;  // console_dom.js
  function api(method, path, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf || "" }, credentials: "same-origin" };
    if (body instanceof FormData) opts.body = body;
    else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch((path.indexOf("/api/") === 0 ? path : API + path), opts).then(function (r) {
      if (r.status === 401) { location.href = "/login?next=/console"; throw new Error("Log opnieuw in."); }
      var json = (r.headers.get("content-type") || "").indexOf("json") >= 0 ? r.json() : Promise.resolve(null);
      return json.then(function (data) {
        if (!r.ok) { var e = new Error((data && data.error && data.error.message) || "Er ging iets mis."); e.code = data && data.error && data.error.code; throw e; }
        return data;
      });
    });
  }
  function waitText(seconds) {
    if (seconds == null || seconds < 0) return "";
    var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    if (m >= 60) return Math.floor(m / 60) + " u " + String(m % 60).padStart(2, "0") + " min";
    return m + ":" + String(s).padStart(2, "0");
  }
  function teamName(team) { return team.length <= 4 ? team.toUpperCase() : team.charAt(0).toUpperCase() + team.slice(1).replace(/_/g, " "); }
  function since(iso) { return iso ? (Date.now() - Date.parse(iso)) / 1000 : null; }
  function when(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return d.toLocaleDateString("nl-NL", { day: "numeric", month: "short" }) + " " + d.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }
  function linkify(text) {
    var frag = document.createDocumentFragment(), re = /(https?:\/\/[^\s]+)/g, last = 0, m;
    while ((m = re.exec(text))) {
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      frag.appendChild(el("a", { href: m[1], target: "_blank", rel: "noopener noreferrer", text: m[1] }));
      last = m.index + m[1].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  // ------------------------------------------------------------------ queue and lists
  function convItem(c, opts) {
    var badges = [];
    if (c.priority > 0) badges.push(el("span", { class: "badge prio", text: "voorrang" }));
    if (c.front) badges.push(el("span", { class: "badge", text: "terug" }));
    if (c.after_hours) badges.push(el("span", { class: "badge", text: "buiten openingstijd" }));
    var waitFrom = opts.waitFrom === "assigned" ? c.assigned_at : c.queued_at;
    var li = el("li", { class: "conv-item" + (c.id === current ? " open" : "") + (unread[c.id] ? " unread" : ""), dataset: { id: c.id }, tabindex: "0",
      onclick: function () { openConversation(c.id); }, onkeydown: function (e) { if (e.key === "Enter") openConversation(c.id); } }, [
      el("div", { class: "line1" }, [
        el("span", {}, [CHANNELS[c.channel] || c.channel].concat(badges)),
        el("span", { class: "wait", dataset: { since: waitFrom || "" } })
      ]),
      el("div", { class: "q", text: [c.label, c.topic_label || c.question].filter(Boolean).join(" · ") || (opts.showAgent && c.assignee ? "bij " + c.assignee : "") }),
      opts.showAgent && c.assignee ? el("div", { class: "muted", text: "Medewerker: " + (c.assignee_name || c.assignee) }) : null
    ]);
    return li;
  }
  function loadQueue() {
    if (specialistMode) return loadRequests();
    return api("GET", "/queue").then(function (q) {
      me = Object.assign(me || {}, q.me);
      showPresence(q.me.presence);
      clear($("mine"));
      q.mine.forEach(function (c) { $("mine").appendChild(convItem(c, { waitFrom: "assigned" })); });
      $("mine-count").textContent = String(q.mine.length);
      var box = clear($("queues"));
      Object.keys(q.teams).sort().forEach(function (team) {
        var list = q.teams[team];
        box.appendChild(el("h3", { class: "muted", text: "Team " + teamName(team) + " (" + list.length + ")" }));
        var ul = el("ul", { class: "conv-list", dataset: { team: team } });
        if (!list.length) ul.appendChild(el("li", { class: "muted", text: "Niemand wacht." }));
        list.forEach(function (c) { ul.appendChild(convItem(c, {})); });
        box.appendChild(ul);
      });
      if (q.active) {
        $("active-section").hidden = false;
        clear($("active"));
        q.active.forEach(function (c) { $("active").appendChild(convItem(c, { waitFrom: "assigned", showAgent: true })); });
      }
      tick();
    }).catch(function (e) { console.warn(e); });
  }
  // At most one reload per 300 ms, however many desk events arrive (a burst of handovers must
  // not keep postponing it, nor make every console reload for every event).
  function scheduleQueue() { if (!queueTimer) queueTimer = setTimeout(function () { queueTimer = null; loadQueue(); }, 300); }
  // An "assigned" event carries the conversation as the list shows it: in "Mijn gesprekken" at once.
  function showAssigned(c) {
    document.querySelectorAll('#queues .conv-item[data-id="' + CSS.escape(c.id) + '"]').forEach(function (n) { n.remove(); });
    if (c.assignee !== me.username || document.querySelector('#mine .conv-item[data-id="' + CSS.escape(c.id) + '"]')) return;
    $("mine").appendChild(convItem(c, { waitFrom: "assigned" }));
    $("mine-count").textContent = String($("mine").querySelectorAll(".conv-item").length);
    tick();
  }
  // The server's presence is the truth: shown as it is after a log-in, a reload or a change in another tab.
  var PRESENCE_NL = { busy: "bezet", away: "afwezig", offline: "afgemeld" };
  function showPresence(presence) {
    me.presence = presence;
    $("presence").value = presence;
    $("availability").hidden = presence === "available";
    $("availability-text").textContent = "U bent " + (PRESENCE_NL[presence] || presence) + ". U krijgt geen nieuwe gesprekken.";
  }
  function setPresence(value) {
    return api("PUT", "/presence", { presence: value }).then(function (a) { showPresence(a.presence); scheduleQueue(); })
      .catch(function (e) { alert(e.message); showPresence(me.presence); });
  }
  function tick() {
    document.querySelectorAll(".wait[data-since]").forEach(function (node) {
      var s = since(node.dataset.since);
      node.textContent = waitText(s);
      node.classList.toggle("long", s > 300);
    });
  }

  // ------------------------------------------------------------------ one conversation
  function openConversation(id) {
    current = id; delete unread[id]; pendingFiles = []; pendingArticle = null; live = [];
    $("cb-view").hidden = true;
    $("reply-files").textContent = ""; $("reply-article").textContent = ""; $("reply-error").textContent = "";
    document.querySelectorAll(".conv-item").forEach(function (n) { n.classList.toggle("open", n.dataset.id === id); });
    watch();
    return reloadCurrent();
  }
  function reloadCurrent() {
    if (!current) return Promise.resolve();
    var id = current;
    return api("GET", convPath(id)).then(function (data) {
      if (id !== current) return;
      currentData = data; outcomes = data.outcomes || outcomes;
      renderConversation(data);
    }).catch(function (e) {
      if (e.code === "not_yours" && id === current) { leaveConversation("Dit gesprek is niet meer van u: een collega of specialist helpt de inwoner nu."); return; }
      $("empty").hidden = false; $("empty").textContent = e.message; $("conv").hidden = true;
    });
  }
  function scheduleReload() { clearTimeout(reloadTimer); reloadTimer = setTimeout(reloadCurrent, 150); }
  function messageNode(m) {
    var li = el("li", { class: "msg " + (m.direction === "in" ? "resident" : m.author), dataset: { id: m.id } }, [
      el("span", { class: "who", text: (m.direction === "in" ? "Inwoner" : ((m.author === "agent" && m.agent_name) || AUTHORS[m.author] || m.author)) + " · " + when(m.created_at) })
    ]);
    li.appendChild(linkify(m.text || ""));
    if (m.delivery === "failed") li.appendChild(el("div", { class: "delivery-failed", text: "Niet afgeleverd: de inwoner heeft dit bericht niet gekregen." }));
    (m.attachments || []).forEach(function (a) {
      if (a.url) li.appendChild(el("div", {}, [el("a", { href: a.url, target: "_blank", rel: "noopener noreferrer", text: "Bijlage: " + (a.filename || a.url) })]));
    });
    return li;
  }
  function appendMessage(m) {
    if (live.length > 200) live.shift();
    live.push(m);  // kept, so a reload that started before it arrived cannot drop it (renderConversation)
    var list = $("messages");
    if (list.querySelector('[data-id="' + CSS.escape(m.id) + '"]')) return;
    list.appendChild(messageNode(m));
    list.scrollTop = list.scrollHeight;
    if (m.direction === "in" && m.text && !$("kb-q").value) searchKb(m.text, true);  // suggestions follow the question
  }
  function searchKb(q, quiet) {
    return api("GET", "/knowledge?q=" + encodeURIComponent(q)).then(function (r) {
      if (r.hits.length || !quiet) renderHits(r.hits, "Niets gevonden.");
    }).catch(function (err) { if (!quiet) renderHits([], err.message); });
  }
  function renderConversation(data) {
    var c = data.conversation, mine = c.state === "agent" && me && c.assignee === me.username;
    $("empty").hidden = true; $("conv").hidden = false;
    $("conv-title").textContent = (CHANNELS[c.channel] || c.channel) + (c.team ? " · team " + teamName(c.team) : "");
    $("conv-meta").textContent = " " + (STATES[c.state] || c.state) + (c.assignee ? " · " + (c.assignee === me.username ? "bij u" : c.assignee) : "") +
      (c.queued_at ? " · in wachtrij sinds " + when(c.queued_at) : "") +
      (c.resident_left_at && c.state === "agent" ? " · de inwoner heeft het gesprek verlaten (" + when(c.resident_left_at) + ")" : "");
    $("take").hidden = c.state !== "queued";
    $("transfer-open").hidden = !(c.state === "agent" && (mine || me.supervisor)) && !(c.state === "queued" && me.supervisor);
    $("handback").hidden = !(c.state === "agent" && (mine || me.supervisor));
    $("close-open").hidden = !(c.state === "queued" || mine || (me.supervisor && c.state === "agent"));
    $("reply").hidden = !mine;
    var ro = $("readonly");
    ro.hidden = mine;
    ro.textContent = c.state === "queued" ? "Dit gesprek wacht. Pak het op om te antwoorden." :
      c.state === "agent" ? "Dit gesprek is van " + c.assignee + ". U kijkt mee." : "Dit gesprek is " + (STATES[c.state] || c.state).toLowerCase() + ".";
    var list = clear($("messages")), shown = {};
    data.messages.forEach(function (m) { shown[m.id] = true; list.appendChild(messageNode(m)); });
    live.forEach(function (m) { if (!shown[m.id]) list.appendChild(messageNode(m)); });
    list.scrollTop = list.scrollHeight;
    renderSummary(data.summary, c);
    renderContact(data.contact);
    renderSuggestions(data.suggestions);
    renderNotes(data.notes);
    $("extra-box").hidden = specialistMode;
    renderSpecialist(c);
    // separate panels (console_appointments.js) listen for the open conversation
    document.dispatchEvent(new CustomEvent("kcc:conversation", { detail: data }));
  }
  function renderSummary(s, c) {
    var dl = clear($("summary"));
    function row(label, value) { if (value) { dl.appendChild(el("dt", { text: label })); dl.appendChild(el("dd", { text: value })); } }
    s = s || {};  // need-to-know: no summary of a restricted conversation without the right
    row("Let op", c.label ? c.label + (c.restricted ? ": alleen voor collega's met het recht sociaal domein." : "") : null);
    row("Reden", s.reason_text);
    row("Vraag", s.question);
    row("Onderwerp", s.topic_label);
    row("Herkend", (s.intent_labels || []).join(", "));
    Object.keys(s.slots || {}).forEach(function (k) { if (SLOTS[k]) row(SLOTS[k], String(s.slots[k])); });
    row("Getoond", (s.articles_shown || []).map(function (a) { return a.title; }).join(", "));
    if (c.callback_request) row(c.callback_request.kind === "phone" ? "Terugbellen" : "Antwoord per e-mail", c.callback_request.value);
    $("summary-box").hidden = false;
  }
  function renderContact(card) {
    var box = clear($("contact"));
    $("contact-box").hidden = false;
    if (!card) { box.appendChild(el("p", { class: "muted", text: "Nog geen contact bekend." })); return; }
    var kind = { person: "Persoon", organisation: "Organisatie", anonymous: "Onbekende inwoner" }[card.kind] || card.kind;
    box.appendChild(el("p", { class: "card-line" }, [el("strong", { text: card.name || kind })]));
    if (card.name) box.appendChild(el("p", { class: "card-line muted", text: kind }));
    if (card.bsn) box.appendChild(el("p", { class: "card-line", text: "BSN " + card.bsn }));
    if (card.kvk) box.appendChild(el("p", { class: "card-line", text: "KvK " + card.kvk }));
    (card.phones || []).forEach(function (p) { box.appendChild(el("p", { class: "card-line", text: "Tel. " + p })); });
    (card.emails || []).forEach(function (p) { box.appendChild(el("p", { class: "card-line", text: p })); });
    box.appendChild(el("h3", { class: "muted", text: "Open zaken (" + card.open_cases.length + ")" }));
    card.open_cases.forEach(function (z) { box.appendChild(el("p", { class: "card-line", text: z.number + " · " + z.title + " · " + z.status_label + (z.overdue ? " · te laat" : "") })); });
    box.appendChild(el("h3", { class: "muted", text: "Terugbelverzoeken (" + card.open_callbacks.length + ")" }));
    card.open_callbacks.forEach(function (t) { box.appendChild(el("p", { class: "card-line", text: callbackLine(t) })); });
    var others = card.conversations.filter(function (c) { return !currentData || c.id !== currentData.conversation.id; });
    box.appendChild(el("h3", { class: "muted", text: "Eerdere contacten (" + others.length + ")" }));
    others.forEach(function (c) {
      box.appendChild(el("p", { class: "card-line", text: when(c.created_at) + " · " + (CHANNELS[c.channel] || c.channel) + " · " + (c.outcome || STATES[c.state] || c.state) + helpedText(c.helped_by) }));
    });
    renderRegisterContacts(box, card);
    if (card.history && card.history.length) {
      var h = el("div", { class: "history" });
      card.history.forEach(function (m) {
        h.appendChild(el("div", { class: "h" }, [el("b", { text: when(m.created_at) + " " + (CHANNELS[m.channel] || m.channel) + " " + (m.direction === "in" ? "inwoner" : (AUTHORS[m.author] || m.author).toLowerCase()) + ": " }), m.text || ""]));
      });
      box.appendChild(h);
    }
  }
  function renderSuggestions(hits) {
    $("kb-box").hidden = false;
    renderHits(hits || [], "Geen suggesties voor deze vraag.");
  }
  function renderHits(hits, emptyText) {
    var ul = clear($("kb-hits"));
    if (!hits.length) ul.appendChild(el("li", { class: "muted", text: emptyText }));
    hits.forEach(function (h) {
      ul.appendChild(el("li", {}, [
        el("strong", { text: h.title }), el("div", { class: "snip", text: h.snippet || "" }),
        el("button", { type: "button", class: "secondary", text: "Invoegen", onclick: function () { insertArticle(h.slug); } }),
        rateButtons(h)
      ]));
    });
  }
  // the agent rates a knowledge article (helpful or not): editors see it in the editor's list
  function rateButtons(h) {
    var box = el("span", { class: "rate" });
    [[true, "👍", "Nuttig: "], [false, "👎", "Niet nuttig: "]].forEach(function (r) {
      box.appendChild(el("button", { type: "button", class: "secondary", text: r[1], "aria-label": r[2] + h.title, onclick: function () {
        fetch("/api/v1/knowledge/articles/" + encodeURIComponent(h.slug) + "/feedback", { method: "POST", credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf || "", "Content-Type": "application/json" },
          body: JSON.stringify({ helpful: r[0], conversation_id: current || null }) })
          .then(function (resp) { box.textContent = resp.ok ? "Bedankt, doorgegeven aan de redactie." : "Niet gelukt."; });
      } }));
    });
    return box;
  }
  function insertArticle(slug) {
    api("GET", "/knowledge/" + encodeURIComponent(slug)).then(function (a) {
      var box = $("reply-text");
      box.value = box.value ? box.value.replace(/\s*$/, "\n\n") + a.answer : a.answer;
      pendingArticle = a.slug;
      $("reply-article").textContent = "Uit de kennisbank: " + a.title + (a.internal_note ? " (interne notitie: " + a.internal_note + ")" : "");
      box.focus();
    }).catch(function (e) { $("reply-error").textContent = e.message; });
  }
  function renderNotes(notes) {
    $("notes-box").hidden = false;
    var ul = clear($("notes"));
    if (!notes.length) ul.appendChild(el("li", { class: "muted", text: "Nog geen notities." }));
    notes.forEach(function (n) { ul.appendChild(el("li", { text: (n.name || n.by) + " · " + when(n.at) + ": " + n.text })); });
  }

  // ------------------------------------------------------------------ actions
  function act(path, body, errorBox) {
    if (errorBox) $(errorBox).textContent = "";
    return api("POST", convPath(current) + path, body)
      .then(function (r) { scheduleQueue(); scheduleReload(); return r; })
      .catch(function (e) { if (errorBox) $(errorBox).textContent = e.message; else alert(e.message); throw e; });
  }
  $("take").onclick = function () { act("/take").catch(function () {}); };
  $("handback").onclick = function () {
    if (confirm("Het gesprek teruggeven aan de chatbot?")) act("/handback", {}).catch(function () {});
  };
  $("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply-text").value.trim();
    if (!text && !pendingFiles.length) { $("reply-error").textContent = "Typ eerst een antwoord."; return; }
    $("reply-send").disabled = true; $("reply-error").textContent = "";
    api("POST", convPath(current) + "/messages",
        { text: text, article: pendingArticle, attachments: pendingFiles.map(function (f) { return f.stored_id; }) })
      .catch(function (err) { $("reply-error").textContent = err.message; scheduleReload(); throw err; })
      .then(function () { $("reply-text").value = ""; pendingFiles = []; pendingArticle = null; $("reply-files").textContent = ""; $("reply-article").textContent = ""; })
      .catch(function () {})
      .finally(function () { $("reply-send").disabled = false; $("reply-text").focus(); });
  });
  $("reply-text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("reply").requestSubmit();
    if (e.key === "Escape") { e.preventDefault(); $("messages").focus(); }  // out of the text box: the single keys work again
  });
  $("reply-file").addEventListener("change", function () {
    var file = this.files[0]; if (!file) return;
    var form = new FormData(); form.append("file", file, file.name);
    act("/attachments", form, "reply-error").then(function (stored) {
      pendingFiles.push(stored);
      $("reply-files").textContent = "Bijlagen: " + pendingFiles.map(function (f) { return f.filename; }).join(", ");
    }).catch(function () {}).finally(function () { $("reply-file").value = ""; });
  });
  $("transfer-open").onclick = function () {
    $("transfer-error").textContent = "";
    api("GET", "/agents").then(function (r) {
      var sel = clear($("transfer-agent"));
      sel.appendChild(el("option", { value: "", text: "(geen)" }));
      r.agents.filter(function (a) { return a.username !== me.username; }).forEach(function (a) {
        sel.appendChild(el("option", { value: a.username, text: (a.name || a.username) + " · " + a.teams.join(", ") + " · " + ({ available: "beschikbaar", busy: "bezet", away: "afwezig", offline: "afgemeld" }[a.presence] || a.presence) }));
      });
      $("transfer-dialog").showModal();
    });
  };
  $("transfer-form").addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.value === "cancel") return;
    e.preventDefault();
    var agent = $("transfer-agent").value, team = $("transfer-team").value.trim();
    act("/transfer", { to_agent: agent || null, to_team: agent ? null : (team || null), note: $("transfer-note").value }, "transfer-error")
      .then(function () { $("transfer-dialog").close(); $("transfer-note").value = ""; $("transfer-team").value = ""; }).catch(function () {});
  });
  $("close-open").onclick = function () {
    var sel = clear($("close-outcome"));
    Object.keys(outcomes).forEach(function (k) { sel.appendChild(el("option", { value: k, text: outcomes[k] })); });
    $("close-error").textContent = "";
    $("close-dialog").showModal();
  };
  $("close-form").addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.value === "cancel") return;
    e.preventDefault();
    var closed = current;
    act("/close", { outcome: $("close-outcome").value, note: $("close-note").value || null }, "close-error")
      .then(function () { $("close-dialog").close(); $("close-note").value = ""; nextAfter(closed); }).catch(function () {});
  });
  $("note-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("note-text").value.trim(); if (!text) return;
    act("/notes", { text: text }).then(function () { $("note-text").value = ""; }).catch(function () {});
  });
  $("kb-form").addEventListener("submit", function (e) {
    e.preventDefault();
    searchKb($("kb-q").value, false);
  });
  $("case-form").addEventListener("submit", function (e) {
    e.preventDefault();
    act("/case", { kind: $("case-kind").value, description: $("case-text").value }, "extra-result")
      .then(function (z) { $("extra-result").textContent = "Zaak " + z.number + " is aangemaakt."; $("case-text").value = ""; }).catch(function () {});
  });
  $("callback-form").addEventListener("submit", function (e) {
    e.preventDefault();
    act("/callback", { phone: $("callback-phone").value, subject: $("callback-subject").value, day_part: $("callback-daypart").value }, "extra-result")
      .then(function (t) { $("extra-result").textContent = "Terugbelverzoek gemaakt, uiterlijk " + when(t.due_at) + "."; }).catch(function () {});
  });
  $("presence").addEventListener("change", function () {
    var value = this.value;
    if (value === "offline" && !confirm("Afmelden? Uw open gesprekken gaan terug naar de wachtrij.")) { this.value = me.presence; return; }
    setPresence(value);
  });
  $("go-available").onclick = function () { setPresence("available"); };
  $("moment-open").onclick = function () {
    var sel = clear($("moment-outcome"));
    Object.keys(outcomes).forEach(function (k) { sel.appendChild(el("option", { value: k, text: outcomes[k] })); });
    $("moment-current").disabled = !(currentData && currentData.contact);
    $("moment-current").checked = !!(currentData && currentData.contact);
    $("moment-error").textContent = "";
    $("moment-dialog").showModal();
  };
  $("moment-form").addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.value === "cancel") return;
    e.preventDefault();
    var body = { channel: $("moment-channel").value, subject: $("moment-subject").value, outcome: $("moment-outcome").value,
      notes: $("moment-notes").value, phone: $("moment-phone").value || null, email: $("moment-email").value || null,
      name: $("moment-name").value || null };
    if ($("moment-current").checked && currentData && currentData.contact) {
      body.contact_id = currentData.contact.id; body.conversation_id = currentData.conversation.id;
    }
    $("moment-error").textContent = "";
    api("POST", "/contact-moments", body).then(function () {
      $("moment-dialog").close(); $("moment-form").reset(); if (current) scheduleReload();
    }).catch(function (err) { $("moment-error").textContent = err.message; });
  });

  // After closing: the closed conversation leaves the view and the next one of "Mijn gesprekken" opens.
  function nextAfter(closed) {
    var item = $("mine").querySelector('.conv-item[data-id="' + CSS.escape(closed) + '"]');
    if (item) item.remove();
    $("mine-count").textContent = String($("mine").querySelectorAll(".conv-item").length);
    if (current !== closed) return;
    var next = $("mine").querySelector(".conv-item") || $("queues").querySelector(".conv-item");
    if (next) { openConversation(next.dataset.id).then(function () { next.focus(); }); return; }
    current = null; currentData = null; watch();
    $("conv").hidden = true; $("empty").hidden = false;
    $("empty").textContent = "Gesprek afgesloten. Er wacht nu niemand; nieuwe gesprekken komen vanzelf binnen.";
    ["summary-box", "contact-box", "kb-box", "notes-box", "extra-box"].forEach(function (id) { $(id).hidden = true; });
  }

  // ------------------------------------------------------------------ keyboard
  // Single keys outside text fields (listed in the "Sneltoetsen" dialog and the handover README).
  function typing(target) { return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable; }
  function step(delta) {
    var items = Array.prototype.slice.call(document.querySelectorAll(".lists .conv-item"));
    if (!items.length) return;
    var at = items.findIndex(function (n) { return n.dataset.id === current; });
    var next = items[Math.max(0, Math.min(items.length - 1, at < 0 ? 0 : at + delta))];
    openConversation(next.dataset.id); next.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector("dialog[open]")) return;
    var visible = function (id) { return current && !$("conv").hidden && !$(id).hidden; };
    var keys = {
      j: function () { step(1); }, k: function () { step(-1); },
      o: function () { if (visible("take")) $("take").click(); },
      b: function () { if (visible("reply")) $("reply-text").focus(); },
      x: function () { if (visible("close-open")) $("close-open").click(); },
      "?": function () { $("help-dialog").showModal(); }
    };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  $("help-open").onclick = function () { $("help-dialog").showModal(); };

  // ------------------------------------------------------------------ live
  function watch() {
    if (socket && socket.readyState === 1 && current) socket.send(JSON.stringify({ action: "watch", conversation_id: current }));
  }
  function connect() {
    socket = new WebSocket(location.origin.replace(/^http/, "ws") + API + "/ws");
    socket.onopen = function () { backoff = 500; $("live").textContent = "live"; $("live").classList.add("on"); watch(); loadQueue(); };
    socket.onclose = function () {
      $("live").textContent = "geen verbinding"; $("live").classList.remove("on");
      setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 10000);
    };
    socket.onmessage = function (e) {
      var ev = JSON.parse(e.data);
      if (ev.type === "conversation_message") { if (ev.conversation_id === current) appendMessage(ev.message); return; }
      if (ev.type === "assigned" && ev.conversation && !specialistMode) showAssigned(ev.conversation);
      if (ev.type === "callback_overdue") scheduleCallbacks();
      if (ev.type === "resident_message" && ev.conversation_id !== current && ev.agent === me.username) { unread[ev.conversation_id] = true; scheduleQueue(); }
      if (REFRESH_ON.indexOf(ev.type) >= 0) scheduleQueue();
      if (ev.conversation_id && ev.conversation_id === current && RELOAD_OPEN_ON.indexOf(ev.type) >= 0) scheduleReload();
    };
  }

  // ------------------------------------------------------------------ specialist (warm transfer)
  // Agent: "Specialist vragen" (consult = read along, transfer = take over). Specialist mode (an account
  // with only the specialist role): the requests of the KCC instead of the queue, accept, answer
  // (transfer), notes, "Terug naar KCC". The API is /api/v1/handover/specialist/... (handover/specialist_api.py).
  function convPath(id) { return (specialistMode ? "/specialist/conversations/" : "/conversations/") + encodeURIComponent(id); }
  function helpedText(list) {
    if (!list || !list.length) return "";
    return " · geholpen door " + list.map(function (h) {
      return (h.name || h.username) + " (" + teamName(h.team || "") + ", " + (h.mode === "consult" ? "meegelezen" : "overgenomen") + ")";
    }).join(", ");
  }
  function specialistText(r) {
    var who = r.to_name || ("team " + teamName(r.to_team));
    if (specialistMode) {
      return "Gevraagd door " + (r.by_name || r.by) + " (" + r.mode_label + "): " + r.summary;
    }
    if (r.status === "asked") return "Specialist gevraagd (" + r.mode_label + "): " + who + ". Wacht op acceptatie.";
    if (r.status === "accepted") {
      return (r.accepted_name || r.accepted_by) + " van team " + teamName(r.to_team) + (r.mode === "consult" ? " leest mee." : " heeft het gesprek overgenomen.");
    }
    return "Teruggegeven door " + (r.accepted_name || "de specialist") + (r.return_note ? ": " + r.return_note : ".");
  }
  function renderSpecialist(c) {
    var r = c.specialist, open = !!(r && (r.status === "asked" || r.status === "accepted"));
    var mine = c.state === "agent" && me && c.assignee === me.username;
    if (specialistMode) {
      ["take", "transfer-open", "handback", "close-open", "specialist-open"].forEach(function (id) { $(id).hidden = true; });
      $("sp-accept").hidden = !(r && r.status === "asked");
      $("sp-return-open").hidden = !open;
      $("kb-box").hidden = true;
      if (!mine) {
        $("readonly").textContent = r && r.status === "asked"
          ? "Het KCC vraagt uw hulp. Accepteer de vraag om " + (r.mode === "transfer" ? "het gesprek over te nemen." : "mee te lezen en advies te geven.")
          : "U leest mee. Schrijf uw advies als interne notitie; de KCC-medewerker houdt het gesprek.";
      }
    } else {
      $("sp-accept").hidden = true; $("sp-return-open").hidden = true;
      $("specialist-open").hidden = !(mine && !open);
    }
    $("specialist-status").hidden = !r;
    if (r) $("specialist-status").textContent = specialistText(r);
  }
  function requestItem(c) {
    var li = convItem(c, { waitFrom: "assigned" }), r = c.specialist || {};
    li.appendChild(el("div", { class: "muted", text: (r.mode === "transfer" ? "Overdragen" : "Meelezen") + " · van " + (r.by_name || r.by) +
      (r.status === "accepted" ? " · geaccepteerd" : r.to_agent ? " · aan u" : " · team " + teamName(r.to_team || "")) }));
    return li;
  }
  function loadRequests() {
    return api("GET", "/specialist/requests").then(function (r) {
      var ul = clear($("sp-list"));
      if (!r.requests.length) ul.appendChild(el("li", { class: "muted", text: "Er ligt nu geen vraag voor u klaar." }));
      r.requests.forEach(function (c) { ul.appendChild(requestItem(c)); });
      $("sp-count").textContent = String(r.requests.length);
      tick();
    }).catch(function (e) { console.warn(e); });
  }
  function leaveConversation(text) {
    current = null; currentData = null; watch();
    $("conv").hidden = true; $("empty").hidden = false; $("empty").textContent = text;
    ["summary-box", "contact-box", "kb-box", "notes-box", "extra-box"].forEach(function (id) { $(id).hidden = true; });
  }
  function startSpecialist(who) {
    specialistMode = true; csrf = who.csrf_token;
    me = { username: who.username, name: who.name, supervisor: false, presence: "available" };
    $("who").textContent = (who.name || who.username) + " · specialist";
    document.querySelector(".presence").hidden = true;
    ["moment-open", "availability", "mine-section", "queue-section", "active-section", "cb-section"].forEach(function (id) { $(id).hidden = true; });
    $("sp-section").hidden = false;
    document.querySelector(".reply .file").hidden = true;  // attachments are the KCC's
    $("empty").textContent = "Kies links een vraag van het KCC. Nieuwe vragen komen vanzelf binnen.";
    connect();
    setInterval(tick, 1000);
  }
  $("specialist-open").onclick = function () {
    $("sp-error").textContent = "";
    api("GET", "/specialists").then(function (r) {
      var person = clear($("sp-person")), team = clear($("sp-team"));
      person.appendChild(el("option", { value: "", text: "(iemand van de afdeling)" }));
      r.specialists.forEach(function (p) {
        person.appendChild(el("option", { value: p.username, text: (p.name || p.username) + " · " + p.teams.map(teamName).join(", ") }));
      });
      r.teams.forEach(function (t) { team.appendChild(el("option", { value: t, text: teamName(t) })); });
      $("specialist-dialog").showModal();
    }).catch(function (e) { alert(e.message); });
  };
  $("specialist-form").addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.value === "cancel") return;
    e.preventDefault();
    var mode = document.querySelector('input[name="sp-mode"]:checked').value, person = $("sp-person").value;
    act("/specialist", { mode: mode, to_specialist: person || null, to_team: person ? null : ($("sp-team").value || null),
      summary: $("sp-summary").value }, "sp-error")
      .then(function () { $("specialist-dialog").close(); $("sp-summary").value = ""; }).catch(function () {});
  });
  $("sp-accept").onclick = function () { act("/accept").catch(function () {}); };
  $("sp-return-open").onclick = function () { $("sp-return-error").textContent = ""; $("sp-return-dialog").showModal(); };
  $("sp-return-form").addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.value === "cancel") return;
    e.preventDefault();
    act("/return", { note: $("sp-return-note").value }, "sp-return-error").then(function () {
      $("sp-return-dialog").close(); $("sp-return-note").value = "";
      leaveConversation("Teruggegeven aan het KCC. Dank u wel.");
    }).catch(function () {});
  });

  // ------------------------------------------------------------------ callbacks
  // "Terugbellen" in the lists (mine: owner or backup) and the KCC's control list ("Controle op het
  // terugbellen": every open request, overdue first, owner / backup / deadline), where the owner
  // records the outcome (POST /api/v1/callbacks/{id}/attempts; done closes the internetaak too).
  var cbTimer = null, cbDoing = null;
  var CB_OUTCOME = { done: "afgerond", not_reached: "niet bereikt" };
  function callbackLine(t) {
    return t.subject + " · vóór " + when(t.due_at) + " · eigenaar " + (t.employee || ("afdeling " + teamName(t.department || "kcc"))) +
      (t.backup ? " · back-up " + t.backup : "") + (t.overdue ? " · te laat" : "");
  }
  function renderRegisterContacts(box, card) {
    if (!card.register_contacts && !card.register_error) return;
    var found = card.register_contacts || [];
    box.appendChild(el("h3", { class: "muted", text: "Contacten via KISS / balie (" + found.length + ")" }));
    if (card.register_error) box.appendChild(el("p", { class: "card-line muted", text: "Het klantcontactregister is nu niet bereikbaar." }));
    found.forEach(function (k) {
      box.appendChild(el("p", { class: "card-line register-contact" }, [el("span", { class: "badge kiss", text: "via KISS / balie" }),
        " " + when(k.plaatsgevonden_op) + " · " + (k.kanaal || "") + " · " + (k.onderwerp || "")]));
    });
  }
  function startCallbacks() { $("cb-section").hidden = false; loadCallbacks(); setInterval(loadCallbacks, 60000); }
  function scheduleCallbacks() { if (!specialistMode && !cbTimer) cbTimer = setTimeout(function () { cbTimer = null; loadCallbacks(); }, 300); }
  function mayFinish(t) { return !t.employee || t.employee === me.username || t.backup === me.username || me.supervisor; }
  function personName(username, name) { return name || username || "—"; }
  function loadCallbacks() {
    return api("GET", "/api/v1/callbacks/control").then(function (r) {
      var mine = r.callbacks.filter(function (t) { return t.employee === me.username || t.backup === me.username; });
      var ul = clear($("cb-mine"));
      if (!mine.length) ul.appendChild(el("li", { class: "muted", text: "Geen terugbelverzoeken voor u." }));
      mine.forEach(function (t) {
        ul.appendChild(el("li", { class: "cb-item" + (t.overdue ? " late" : ""), tabindex: "0", dataset: { callback: t.id },
          onclick: function () { openControl(t.id); }, onkeydown: function (e) { if (e.key === "Enter") openControl(t.id); } }, [
          el("strong", { text: t.subject }),
          el("div", { class: "muted", text: "Vóór " + when(t.due_at) + (t.overdue ? " · te laat" : "") + (t.employee === me.username ? " · u bent eigenaar" : " · u bent back-up") })
        ]));
      });
      $("cb-count").textContent = String(mine.length);
      renderCallbacks(r);
    }).catch(function (e) { console.warn(e); });
  }
  function renderCallbacks(r) {
    $("cb-summary").textContent = r.callbacks.length + " open terugbelverzoeken, waarvan " + r.overdue + " te laat.";
    var body = clear($("cb-rows"));
    r.callbacks.forEach(function (t) {
      var owner = t.employee ? personName(t.employee, t.employee_name) : "afdeling " + teamName(t.department || "kcc");
      if (t.escalated) owner += " (overgenomen van " + (t.escalated.from || "—") + ")";
      var status = t.overdue ? "Te laat" + (t.escalated ? ", doorgezet naar de back-up" : "") : "Op tijd";
      if (t.attempts.length) status += " · " + t.attempts.length + "× gebeld";
      body.appendChild(el("tr", { class: t.overdue ? "late" : "", dataset: { callback: t.id } }, [
        el("td", {}, [el("strong", { text: t.subject }), el("div", { class: "muted", text: t.day_part_label })]),
        el("td", { text: t.phone }),
        el("td", { class: "cb-owner", text: owner }),
        el("td", { class: "cb-backup", text: t.backup ? personName(t.backup, t.backup_name) : "—" }),
        el("td", { class: "cb-due", text: when(t.due_at) }),
        el("td", { class: "cb-status" }, [t.overdue ? el("span", { class: "badge late", text: status }) : status]),
        el("td", {}, [mayFinish(t) ? el("button", { type: "button", class: "secondary cb-done", text: "Afhandelen",
          "aria-label": "Afhandelen: " + t.subject, onclick: function () { openDone(t); } }) : null])
      ]));
    });
  }
  function openControl(focusId) {
    leaveConversation("");
    $("empty").hidden = true; $("cb-view").hidden = false;
    document.querySelectorAll(".conv-item").forEach(function (n) { n.classList.remove("open"); });
    return loadCallbacks().then(function () {
      var btn = focusId && document.querySelector('#cb-rows tr[data-callback="' + CSS.escape(focusId) + '"] .cb-done');
      (btn || $("cb-title")).focus();
    });
  }
  function openDone(t) {
    cbDoing = t;
    $("cb-done-what").textContent = t.subject + " · " + t.phone;
    $("cb-done-error").textContent = ""; $("cb-done-note").value = ""; $("cb-done-outcome").value = "done";
    $("cb-done-dialog").showModal();
  }
  $("cb-title").setAttribute("tabindex", "-1");
  $("cb-control-open").onclick = function () { openControl(null); };
  $("cb-done-form").addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.value === "cancel") return;
    e.preventDefault();
    var outcome = $("cb-done-outcome").value, t = cbDoing;
    api("POST", "/api/v1/callbacks/" + encodeURIComponent(t.id) + "/attempts", { outcome: outcome, note: $("cb-done-note").value })
      .then(function (saved) {
        $("cb-done-dialog").close();
        loadCallbacks().then(function () {
          $("cb-summary").textContent = "Opgeslagen: " + t.subject + " (" + (saved.status === "open" ? "blijft open, " + CB_OUTCOME[outcome] : CB_OUTCOME[saved.status] || saved.status) + "). " + $("cb-summary").textContent;
        });
      }).catch(function (err) { $("cb-done-error").textContent = err.message; });
  });

  // ------------------------------------------------------------------ start
  api("GET", "/api/v1/auth/me").then(function (who) {
    var roles = who.roles || [];
    var agent = ["agent", "supervisor", "admin"].some(function (r) { return roles.indexOf(r) >= 0; });
    if (!agent && roles.indexOf("specialist") >= 0) { startSpecialist(who); return; }
    startAgent();
  }).catch(function (e) { $("empty").textContent = e.message; });

  function startAgent() {
  return api("GET", "/me").then(function (m) {
    me = m; csrf = m.csrf_token;
    $("who").textContent = m.name || m.username;
    showPresence(m.presence || "offline");  // never switched on for the agent: they choose "Beschikbaar"
  }).then(function () {
    api("GET", "/case-types").then(function (r) {
      var sel = clear($("case-kind"));
      r.case_types.forEach(function (t) { sel.appendChild(el("option", { value: t.kind, text: t.title })); });
    }).catch(function () {});
    outcomes = { answered: "Beantwoord", case_created: "Zaak aangemaakt", callback_created: "Terugbelverzoek aangemaakt",
      referred: "Doorverwezen naar een partner", no_answer_needed: "Geen antwoord nodig" };
    connect();
    setInterval(tick, 1000);
    startCallbacks();
  }).catch(function (e) { $("empty").textContent = e.message; });
  }
})();
