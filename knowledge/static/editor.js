/* Kennisbank-redactie: list (what needs attention first), edit a draft with preview and B1 marks,
   draft -> review -> publish (now or scheduled), history with a side-by-side diff in a side panel,
   ratings, unanswered questions and synonyms. Vanilla JS, talks to /api/v1/knowledge. */
"use strict";

const API = "/api/v1/knowledge";
const R = window.Review;
const STATUS = { draft: "nooit gepubliceerd", published: "gepubliceerd", archived: "gearchiveerd" };
const ACTIONS = { create: "aangemaakt", update: "bewerkt", publish: "gepubliceerd", archive: "gearchiveerd",
                  rollback: "teruggezet (concept)", import: "geïmporteerd", draft: "concept opgeslagen",
                  submit: "ingediend ter beoordeling", send_back: "teruggestuurd", schedule: "ingepland" };
const FIELDS = { title: "Titel", question: "Vraag", answer: "Antwoord", keywords: "Trefwoorden", synonyms: "Synoniemen",
                 audience: "Doelgroep", department: "Eigenaar (afdeling)", related_products: "Producten", publish_from: "Zichtbaar vanaf",
                 publish_until: "Zichtbaar tot", internal_note: "Interne notitie", status: "Status", review_at: "Herzien vóór", at: "Datum en tijd" };
const $ = (sel) => document.querySelector(sel);
const esc = R.escapeHtml;
const state = { csrf: null, current: null, dirty: false, isNew: false, flags: [] };

function splitList(value) {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
}

function showMessage(text, isError = false) {
  const box = $("#message");
  box.textContent = text;
  box.className = "message" + (isError ? " error" : "");
  box.hidden = false;
  clearTimeout(showMessage.timer);
  showMessage.timer = setTimeout(() => { box.hidden = true; }, isError ? 9000 : 4000);
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (resp.status === 401) {
    window.location.href = "/login?next=/editor";
    throw new Error("Log eerst in.");
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = data.error || {};
    let text = err.message || `Fout ${resp.status}`;
    if (Array.isArray(err.fields)) text += " Controleer: " + err.fields.map((f) => FIELDS[f] || f).join(", ") + ".";
    throw new Error(text);
  }
  return data;
}

/* ---------------------------------------------------------------- tabs */
function showView(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    const active = tab.dataset.view === name;
    tab.classList.toggle("active", active);
    tab.setAttribute("aria-selected", String(active));
  }
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  if (name !== "articles") closeHistory();
  if (name === "unanswered") loadUnanswered();
  if (name === "synonyms") loadSynonyms();
}

/* ---------------------------------------------------------------- list */
function scoreClass(score) {
  return score >= 80 ? "good" : score >= 60 ? "mid" : "bad";
}

async function loadList() {
  const params = new URLSearchParams();
  const text = $("#filter-text").value.trim();
  if (text) params.set("q", text);
  const status = $("#filter-status").value;
  if (status.startsWith("draft:")) params.set("draft", status.slice(6));
  else if (status) params.set("status", status);
  if ($("#filter-department").value) params.set("department", $("#filter-department").value);
  const data = await api("GET", `${API}/articles?${params}`);
  state.mayPublish = data.may_publish;
  const list = $("#article-list");
  list.innerHTML = "";
  for (const a of data.articles) {
    const li = document.createElement("li");
    li.dataset.slug = a.slug;
    if (state.current && state.current.slug === a.slug) li.classList.add("selected");
    const down = a.feedback.down ? `<span class="badge bad-news">${a.feedback.down}× niet nuttig</span>` : "";
    const overdue = a.review_overdue ? `<span class="badge bad-news">herzien</span>` : "";
    const draft = a.draft_state ? `<span class="badge ${a.draft_state}">${esc(a.draft_label)}</span>` : "";
    // a real button inside each item: reachable with Tab, opens with Enter or Space
    li.innerHTML = `<button type="button" class="pick"><span class="t">${esc(a.title)}</span>
      <span class="badge ${a.status}">${STATUS[a.status]}</span>${draft}${down}${overdue}
      <span class="badge b1-${scoreClass(a.readability.score)}">B1 ${a.readability.score}</span>
      <span class="s">${esc(a.department || "geen eigenaar")}</span></button>`;
    li.querySelector("button").addEventListener("click", () => openArticle(a.slug));
    list.appendChild(li);
  }
  $("#list-count").textContent = `${data.articles.length} artikel${data.articles.length === 1 ? "" : "en"}`;
  const select = $("#filter-department");
  const chosen = select.value;
  select.innerHTML = '<option value="">alle</option>' + data.departments.map((d) => `<option>${esc(d)}</option>`).join("");
  select.value = chosen;
  $("#departments").innerHTML = data.departments.map((d) => `<option value="${esc(d)}">`).join("");
}

/* arrow keys move through the list; Tab leaves it */
function onListKey(event) {
  const buttons = [...document.querySelectorAll("#article-list .pick")];
  if (!buttons.length || !["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
  event.preventDefault();
  let i = buttons.indexOf(document.activeElement);
  if (event.key === "ArrowDown") i = Math.min(buttons.length - 1, i + 1);
  else if (event.key === "ArrowUp") i = Math.max(0, i - 1);
  else i = event.key === "Home" ? 0 : buttons.length - 1;
  buttons[i].focus();
}

/* ---------------------------------------------------------------- editor */
function fillForm(a) {
  const c = a.draft ? { ...a, ...a.draft.content } : a;
  $("#article-slug").value = a.slug || "";
  $("#article-slug").readOnly = !state.isNew;
  $("#article-title").value = c.title || "";
  $("#article-question").value = c.question || "";
  $("#article-answer").value = c.answer || "";
  $("#article-keywords").value = (c.keywords || []).join(", ");
  $("#article-synonyms").value = (c.synonyms || []).join(", ");
  $("#article-audience").value = c.audience || "resident";
  $("#article-department").value = c.department || "";
  $("#article-products").value = (c.related_products || []).join(", ");
  $("#article-review").value = R.formatDutch(c.review_at, false);
  $("#article-from").value = R.formatDutch(c.publish_from);
  $("#article-until").value = R.formatDutch(c.publish_until);
  $("#article-note").value = c.internal_note || "";
  const status = $("#article-status");
  status.textContent = state.isNew ? "nieuw" : STATUS[a.status];
  status.className = "badge " + (a.status || "");
  const draftBadge = $("#draft-state");
  draftBadge.hidden = !a.draft;
  if (a.draft) { draftBadge.textContent = a.draft.state_label; draftBadge.className = "badge " + a.draft.state; }
  $("#article-meta").textContent = state.isNew ? "nog niet opgeslagen" :
    `versie ${a.current_version} · ${R.formatLong(a.draft ? a.draft.updated_at : a.updated_at)} · ${a.draft ? a.draft.updated_by : a.updated_by}` +
    (a.status === "published" && !a.visible_to_residents ? " · nu niet zichtbaar (buiten de publicatiedata)" : "") +
    (a.review_overdue ? " · moet herzien worden" : "");
  const comment = $("#review-comment");
  comment.hidden = !(a.draft && a.draft.comment);
  if (a.draft && a.draft.comment) comment.textContent = `Teruggestuurd door ${a.draft.commented_by}: ${a.draft.comment}`;
  const schedule = $("#schedule-info");
  schedule.hidden = !(a.draft && a.draft.state === "scheduled");
  if (a.draft && a.draft.state === "scheduled") schedule.textContent = `Wordt gepubliceerd op ${R.formatLong(a.draft.publish_at)}.`;
  const mayPublish = state.isNew ? state.mayPublish : a.may_publish;
  for (const el of document.querySelectorAll(".publisher, .publisher-only")) el.hidden = !mayPublish;
  $("#send-back-box").hidden = !(mayPublish && a.draft && a.draft.state === "review");
  const nothingWaiting = !state.isNew && !a.draft && a.status === "published";
  $("#publish").disabled = nothingWaiting;
  $("#submit-review").hidden = mayPublish;
  $("#submit-review").disabled = state.isNew ? false : (a.draft ? a.draft.state === "review" : a.status === "published");
  $("#discard").hidden = !a.draft;
  $("#archive").disabled = state.isNew || a.status === "archived";
  $("#history-open").disabled = state.isNew;
  renderFeedback(a.feedback);
  $("#edit-pane").hidden = false;
  $("#edit-empty").hidden = true;
  state.dirty = false;
  renderPreview();
  checkReadability();
}

function renderFeedback(fb) {
  if (!fb) { $("#feedback-counts").textContent = "Nog geen reacties."; $("#feedback-recent").innerHTML = ""; return; }
  $("#feedback-counts").textContent = `${fb.up}× nuttig · ${fb.down}× niet nuttig`;
  $("#feedback-recent").innerHTML = fb.recent.filter((r) => r.comment).slice(0, 5).map((r) =>
    `<li>${r.helpful ? "Nuttig" : "Niet nuttig"} (${r.source === "agent" ? "medewerker" : "inwoner"}, ${R.formatDutch(r.at)}): ${esc(r.comment)}</li>`).join("");
}

function formContent() {
  return {
    title: $("#article-title").value.trim(),
    question: $("#article-question").value.trim(),
    answer: $("#article-answer").value,
    keywords: splitList($("#article-keywords").value),
    synonyms: splitList($("#article-synonyms").value),
    audience: $("#article-audience").value,
    department: $("#article-department").value.trim(),
    related_products: splitList($("#article-products").value),
    review_at: R.parseDutch($("#article-review").value, FIELDS.review_at),
    publish_from: R.parseDutch($("#article-from").value, FIELDS.publish_from),
    publish_until: R.parseDutch($("#article-until").value, FIELDS.publish_until),
    internal_note: $("#article-note").value,
  };
}

function renderAnswer(text) {
  const blocks = text.split(/\n\s*\n/);
  return blocks.map((block) => {
    const lines = block.split("\n").filter((l) => l.trim());
    const parts = [];
    let list = [];
    for (const line of lines) {
      if (/^\s*[-*•]\s+/.test(line)) { list.push(`<li>${esc(line.replace(/^\s*[-*•]\s+/, ""))}</li>`); continue; }
      if (list.length) { parts.push(`<ul>${list.join("")}</ul>`); list = []; }
      parts.push(`<p>${esc(line)}</p>`);
    }
    if (list.length) parts.push(`<ul>${list.join("")}</ul>`);
    return parts.join("");
  }).join("");
}

function renderPreview() {
  const title = $("#article-title").value.trim(), question = $("#article-question").value.trim();
  const preview = $("#preview");
  preview.innerHTML = `<h3>${esc(title)}</h3>` + (question ? `<p class="q">${esc(question)}</p>` : "") +
    `<div class="answer">${renderAnswer($("#article-answer").value)}</div>`;
  R.markPreview(preview.querySelector(".answer"), state.flags);
}

async function checkReadability() {
  const text = $("#article-answer").value;
  try {
    const r = await api("POST", `${API}/readability`, { text });
    const value = $("#readability-score");
    value.textContent = r.score;
    value.className = "score-value " + scoreClass(r.score);
    $("#readability-level").textContent = `${r.level} · ${r.avg_sentence_words} woorden per zin · ${Math.round(r.long_word_share * 100)}% lange woorden`;
    $("#readability-hints").innerHTML = r.hints.slice(0, 4).map((h) => `<li>${esc(h)}</li>`).join("");
    $("#readability-flags").innerHTML = R.flagList(r.flags);
    state.flags = r.flags;
    renderPreview();
  } catch (e) {
    $("#readability-hints").innerHTML = `<li>${esc(e.message)}</li>`;
  }
}

let readabilityTimer = null;
function onFormInput() {
  state.dirty = true;
  $("#publish").disabled = false;  // unsaved changes: saved as a draft first, then published or submitted
  $("#submit-review").disabled = false;
  renderPreview();
  clearTimeout(readabilityTimer);
  readabilityTimer = setTimeout(checkReadability, 400);
}

function show(article) {
  state.current = article;
  state.isNew = false;
  fillForm(article);
}

async function openArticle(slug) {
  if (state.dirty && !confirm("U heeft wijzigingen die nog niet zijn opgeslagen. Toch een ander artikel openen?")) return;
  try {
    show(await api("GET", `${API}/articles/${encodeURIComponent(slug)}`));
    for (const li of document.querySelectorAll("#article-list li")) li.classList.toggle("selected", li.dataset.slug === slug);
    if (!$("#history-panel").hidden) await loadHistory();
  } catch (e) {
    showMessage(e.message, true);
  }
}

function newArticle(prefill = {}) {
  state.current = null;
  state.isNew = true;
  closeHistory();
  fillForm({ audience: "resident", ...prefill });
  $("#article-slug").focus();
}

async function save() {
  const content = formContent();
  let article;
  if (state.isNew) {
    article = await api("POST", `${API}/articles`, { ...content, slug: $("#article-slug").value.trim(), status: "draft" });
  } else {
    article = await api("PUT", `${API}/articles/${encodeURIComponent(state.current.slug)}`, { ...content, version: state.current.current_version });
  }
  show(article);
  await refresh();
  return article;
}

async function refresh() {
  await Promise.all([loadList(), $("#history-panel").hidden ? null : loadHistory()]);
}

/** Save what is typed first (a new article or unsaved changes), then take the step. */
async function step(path, body) {
  if (state.isNew || state.dirty) await save();
  show(await api(path === "draft" ? "DELETE" : "POST", `${API}/articles/${encodeURIComponent(state.current.slug)}/${path}`, body));
  await refresh();
  return state.current;
}

function action(button, run) {
  $(button).addEventListener("click", async () => {
    try { await run(); } catch (e) { showMessage(e.message, true); }
  });
}

/* ---------------------------------------------------------------- history side panel */
function openHistory() {
  $("#history-panel").hidden = false;
  $("#history-open").setAttribute("aria-expanded", "true");
  document.body.classList.add("with-history");
  loadHistory().catch((e) => showMessage(e.message, true));
  $("#history-close").focus();
}

function closeHistory() {
  $("#history-panel").hidden = true;
  $("#history-open").setAttribute("aria-expanded", "false");
  document.body.classList.remove("with-history");
}

async function loadHistory() {
  if (!state.current) return;
  const data = await api("GET", `${API}/articles/${encodeURIComponent(state.current.slug)}/versions`);
  const list = $("#history");
  list.innerHTML = "";
  for (const v of data.versions) {
    const li = document.createElement("li");
    li.innerHTML = `<strong>Versie ${v.version}</strong> ${esc(ACTIONS[v.action] || v.action)} door ${esc(v.by)}
      <span class="muted">${R.formatLong(v.at)}</span>${v.note ? ` <span class="muted">(${esc(v.note)})</span>` : ""}`;
    const diffButton = document.createElement("button");
    diffButton.type = "button";
    diffButton.textContent = "Wat is er veranderd?";
    diffButton.className = "diff-button";
    diffButton.addEventListener("click", () => showDiff(v.version).catch((e) => showMessage(e.message, true)));
    li.appendChild(diffButton);
    if (v.version !== state.current.current_version) {
      const back = document.createElement("button");
      back.type = "button";
      back.textContent = "Terugzetten";
      back.className = "rollback-button";
      back.dataset.version = v.version;
      back.addEventListener("click", () => rollback(v.version));
      li.appendChild(back);
    }
    list.appendChild(li);
  }
  $("#diff").hidden = true;
}

async function showDiff(version) {
  const d = await api("GET", `${API}/articles/${encodeURIComponent(state.current.slug)}/versions/${version}/diff`);
  const box = $("#diff");
  const head = d.from ? `Versie ${d.from} → versie ${d.to}` : `Versie ${d.to} (eerste versie)`;
  box.innerHTML = `<h3>${head}</h3>` + (d.changes.length ? "" : "<p>Geen inhoudelijke wijzigingen.</p>") +
    d.changes.map((c) => R.diffTable(c, FIELDS[c.field] || c.field)).join("");
  box.hidden = false;
}

async function rollback(version) {
  if (!confirm(`Inhoud van versie ${version} terugzetten? Dit wordt een concept; inwoners zien het pas na publicatie.`)) return;
  try {
    show(await api("POST", `${API}/articles/${encodeURIComponent(state.current.slug)}/rollback`, { version }));
    await refresh();
    showMessage(`Versie ${version} is teruggezet als concept (nu versie ${state.current.current_version}).`);
  } catch (e) {
    showMessage(e.message, true);
  }
}

/* ---------------------------------------------------------------- unanswered */
async function loadUnanswered() {
  try {
    const data = await api("GET", `${API}/unanswered`);
    const rows = $("#unanswered-rows");
    rows.innerHTML = "";
    for (const g of data.groups) {
      const tr = document.createElement("tr");
      const examples = g.examples.filter((e) => e !== g.text).slice(0, 3);
      tr.innerHTML = `<td>${esc(g.text)}${examples.length ? `<div class="examples">Ook gevraagd: ${examples.map(esc).join(" · ")}</div>` : ""}</td>
        <td>${g.count}</td><td>${R.formatDutch(g.last_at)}</td><td></td>`;
      const write = document.createElement("button");
      write.type = "button";
      write.textContent = "Artikel schrijven";
      write.addEventListener("click", () => { showView("articles"); newArticle({ title: g.text.slice(0, 200), question: g.text.slice(0, 500) }); });
      const done = document.createElement("button");
      done.type = "button";
      done.textContent = "Afgehandeld";
      done.addEventListener("click", async () => {
        try {
          for (const key of g.keys || [g.key]) await api("POST", `${API}/unanswered/dismiss`, { key });
          tr.remove();
        } catch (e) { showMessage(e.message, true); }
      });
      tr.lastElementChild.append(write, " ", done);
      rows.appendChild(tr);
    }
    $("#unanswered-empty").hidden = data.groups.length > 0;
  } catch (e) {
    showMessage(e.message, true);
  }
}

/* ---------------------------------------------------------------- synonyms */
async function loadSynonyms() {
  try {
    const data = await api("GET", `${API}/synonyms`);
    $("#synonyms-text").value = data.groups.map((g) => g.join(", ")).join("\n");
  } catch (e) {
    showMessage(e.message, true);
  }
}

async function saveSynonyms() {
  const groups = $("#synonyms-text").value.split("\n").map(splitList).filter((g) => g.length >= 2);
  try {
    const data = await api("PUT", `${API}/synonyms`, { groups });
    showMessage(`${data.groups.length} synoniemgroepen opgeslagen. De zoekfunctie gebruikt ze meteen.`);
  } catch (e) {
    showMessage(e.message, true);
  }
}

/* ---------------------------------------------------------------- start */
async function start() {
  const resp = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
  if (!resp.ok) { window.location.href = "/login?next=/editor"; return; }
  const me = await resp.json();
  state.csrf = me.csrf_token;
  $("#who").textContent = me.name || me.username;

  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showView(tab.dataset.view));
  let filterTimer = null;
  $("#filter-text").addEventListener("input", () => { clearTimeout(filterTimer); filterTimer = setTimeout(loadList, 250); });
  $("#filter-status").addEventListener("change", loadList);
  $("#filter-department").addEventListener("change", loadList);
  $("#article-list").addEventListener("keydown", onListKey);
  $("#article-list").addEventListener("focus", (e) => { if (e.target.id === "article-list") { const b = $("#article-list .pick"); if (b) b.focus(); } });
  $("#new-article").addEventListener("click", () => newArticle());
  $("#article-form").addEventListener("input", (e) => { if (!e.target.closest("fieldset")) onFormInput(); });
  $("#article-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await save(); showMessage("Concept opgeslagen. Inwoners zien het pas na publicatie."); } catch (e) { showMessage(e.message, true); }
  });
  action("#submit-review", async () => { await step("submit"); showMessage("Ingediend ter beoordeling."); });
  action("#publish", async () => { await step("publish", {}); showMessage("Gepubliceerd. Inwoners vinden het artikel nu."); });
  action("#schedule", async () => {
    const at = R.parseDutch($("#schedule-at").value, FIELDS.at);
    if (!at) throw new Error("Vul een datum en tijd in (dd-mm-jjjj uu:mm).");
    await step("publish", { at });
    showMessage(`Ingepland: het artikel wordt gepubliceerd op ${R.formatLong(at)}.`);
  });
  action("#send-back", async () => {
    const comment = $("#send-back-comment").value.trim();
    if (!comment) throw new Error("Schrijf een opmerking voor de schrijver.");
    await step("send-back", { comment });
    $("#send-back-comment").value = "";
    showMessage("Teruggestuurd met uw opmerking.");
  });
  action("#discard", async () => {
    if (!confirm("Concept weggooien? De gepubliceerde tekst blijft zoals hij is.")) return;
    state.dirty = false;
    await step("draft");
    showMessage("Concept weggegooid.");
  });
  action("#archive", async () => {
    if (!confirm("Artikel archiveren? Inwoners en medewerkers vinden het dan niet meer.")) return;
    await step("archive");
    showMessage("Gearchiveerd.");
  });
  $("#history-open").addEventListener("click", () => ($("#history-panel").hidden ? openHistory() : closeHistory()));
  $("#history-close").addEventListener("click", () => { closeHistory(); $("#history-open").focus(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("#history-panel").hidden) { closeHistory(); $("#history-open").focus(); } });
  $("#synonyms-save").addEventListener("click", saveSynonyms);
  $("#logout").addEventListener("click", async () => {
    await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": state.csrf || "" } });
    window.location.href = "/login?next=/editor";
  });
  window.addEventListener("beforeunload", (event) => { if (state.dirty) event.preventDefault(); });
  try { await loadList(); } catch (e) { showMessage(e.message, true); }
}

start();
