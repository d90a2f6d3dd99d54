/* Kennisbank-redactie: list, edit with preview, publish, archive, history with diff and rollback,
   B1 readability, unanswered questions and synonyms. Vanilla JS, talks to /api/v1/knowledge. */
"use strict";

const API = "/api/v1/knowledge";
const STATUS = { draft: "concept", published: "gepubliceerd", archived: "gearchiveerd" };
const ACTIONS = { create: "aangemaakt", update: "bewerkt", publish: "gepubliceerd", archive: "gearchiveerd",
                  rollback: "teruggezet", import: "geïmporteerd" };
const FIELDS = { title: "Titel", question: "Vraag", answer: "Antwoord", keywords: "Trefwoorden", synonyms: "Synoniemen",
                 audience: "Doelgroep", department: "Afdeling", related_products: "Producten", publish_from: "Zichtbaar vanaf",
                 publish_until: "Zichtbaar tot", internal_note: "Interne notitie", status: "Status" };
const $ = (sel) => document.querySelector(sel);
const state = { csrf: null, current: null, dirty: false, isNew: false };

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function formatDate(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("nl-NL", { timeZone: "Europe/Amsterdam", dateStyle: "medium", timeStyle: "short" });
}

function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}

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
  if ($("#filter-status").value) params.set("status", $("#filter-status").value);
  if ($("#filter-department").value) params.set("department", $("#filter-department").value);
  const data = await api("GET", `${API}/articles?${params}`);
  const list = $("#article-list");
  list.innerHTML = "";
  for (const a of data.articles) {
    const li = document.createElement("li");
    li.dataset.slug = a.slug;
    if (state.current && state.current.slug === a.slug) li.classList.add("selected");
    // a real button inside each item: reachable with Tab, opens with Enter or Space
    li.innerHTML = `<button type="button" class="pick"><span class="t">${escapeHtml(a.title)}</span>
      <span class="badge ${a.status}">${STATUS[a.status]}</span>
      <span class="badge b1-${scoreClass(a.readability.score)}" title="B1-leesbaarheid">B1 ${a.readability.score}</span>
      <span class="s">${escapeHtml(a.slug)} · ${escapeHtml(a.department || "geen afdeling")}</span></button>`;
    li.addEventListener("click", () => openArticle(a.slug));
    list.appendChild(li);
  }
  $("#list-count").textContent = `${data.articles.length} artikel${data.articles.length === 1 ? "" : "en"}`;
  const select = $("#filter-department");
  const chosen = select.value;
  select.innerHTML = '<option value="">alle</option>' + data.departments.map((d) => `<option>${escapeHtml(d)}</option>`).join("");
  select.value = chosen;
  $("#departments").innerHTML = data.departments.map((d) => `<option value="${escapeHtml(d)}">`).join("");
}

/* ---------------------------------------------------------------- editor */
function fillForm(a) {
  $("#article-slug").value = a.slug || "";
  $("#article-slug").readOnly = !state.isNew;
  $("#article-title").value = a.title || "";
  $("#article-question").value = a.question || "";
  $("#article-answer").value = a.answer || "";
  $("#article-keywords").value = (a.keywords || []).join(", ");
  $("#article-synonyms").value = (a.synonyms || []).join(", ");
  $("#article-audience").value = a.audience || "resident";
  $("#article-department").value = a.department || "";
  $("#article-products").value = (a.related_products || []).join(", ");
  $("#article-from").value = toLocalInput(a.publish_from);
  $("#article-until").value = toLocalInput(a.publish_until);
  $("#article-note").value = a.internal_note || "";
  const status = $("#article-status");
  status.textContent = state.isNew ? "nieuw" : STATUS[a.status];
  status.className = "badge " + (a.status || "");
  $("#article-meta").textContent = state.isNew ? "nog niet opgeslagen" :
    `versie ${a.version} · ${formatDate(a.updated_at)} · ${a.updated_by}` +
    (a.status === "published" && !a.visible_to_residents ? " · nu niet zichtbaar (buiten de publicatiedata)" : "");
  $("#publish").disabled = !state.isNew && a.status === "published";
  $("#archive").disabled = state.isNew || a.status === "archived";
  $("#edit-pane").hidden = false;
  $("#edit-empty").hidden = true;
  state.dirty = false;
  renderPreview();
  checkReadability();
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
    publish_from: fromLocalInput($("#article-from").value),
    publish_until: fromLocalInput($("#article-until").value),
    internal_note: $("#article-note").value,
  };
}

function renderAnswer(text) {
  const blocks = text.split(/\n\s*\n/);
  return blocks.map((block) => {
    const lines = block.split("\n").filter((l) => l.trim());
    if (lines.length && lines.every((l) => /^\s*[-*•]\s+/.test(l))) {
      return "<ul>" + lines.map((l) => `<li>${escapeHtml(l.replace(/^\s*[-*•]\s+/, ""))}</li>`).join("") + "</ul>";
    }
    const parts = [];
    let list = [];
    for (const line of lines) {
      if (/^\s*[-*•]\s+/.test(line)) { list.push(`<li>${escapeHtml(line.replace(/^\s*[-*•]\s+/, ""))}</li>`); continue; }
      if (list.length) { parts.push(`<ul>${list.join("")}</ul>`); list = []; }
      parts.push(`<p>${escapeHtml(line)}</p>`);
    }
    if (list.length) parts.push(`<ul>${list.join("")}</ul>`);
    return parts.join("");
  }).join("");
}

function renderPreview() {
  const c = formContent();
  $("#preview").innerHTML = `<h3>${escapeHtml(c.title)}</h3>` +
    (c.question ? `<p class="q">${escapeHtml(c.question)}</p>` : "") + renderAnswer(c.answer);
}

async function checkReadability() {
  const text = $("#article-answer").value;
  try {
    const r = await api("POST", `${API}/readability`, { text });
    const value = $("#readability-score");
    value.textContent = r.score;
    value.className = "score-value " + scoreClass(r.score);
    $("#readability-level").textContent = `${r.level} · ${r.avg_sentence_words} woorden per zin · ${Math.round(r.long_word_share * 100)}% lange woorden`;
    $("#readability-hints").innerHTML = r.hints.map((h) => `<li>${escapeHtml(h)}</li>`).join("");
  } catch (e) {
    $("#readability-hints").innerHTML = `<li>${escapeHtml(e.message)}</li>`;
  }
}

let readabilityTimer = null;
function onFormInput() {
  state.dirty = true;
  renderPreview();
  clearTimeout(readabilityTimer);
  readabilityTimer = setTimeout(checkReadability, 400);
}

async function openArticle(slug) {
  if (state.dirty && !confirm("U heeft wijzigingen die nog niet zijn opgeslagen. Toch een ander artikel openen?")) return;
  try {
    const a = await api("GET", `${API}/articles/${encodeURIComponent(slug)}`);
    state.current = a;
    state.isNew = false;
    fillForm(a);
    for (const li of document.querySelectorAll("#article-list li")) li.classList.toggle("selected", li.dataset.slug === slug);
    await loadHistory();
  } catch (e) {
    showMessage(e.message, true);
  }
}

function newArticle(prefill = {}) {
  state.current = null;
  state.isNew = true;
  fillForm({ audience: "resident", ...prefill });
  $("#history").innerHTML = "<li class='muted'>Nog geen versies.</li>";
  $("#diff").hidden = true;
  $("#article-slug").focus();
}

async function save() {
  const content = formContent();
  let article;
  if (state.isNew) {
    article = await api("POST", `${API}/articles`, { ...content, slug: $("#article-slug").value.trim(), status: "draft" });
  } else {
    article = await api("PUT", `${API}/articles/${encodeURIComponent(state.current.slug)}`, { ...content, version: state.current.version });
  }
  state.current = article;
  state.isNew = false;
  fillForm(article);
  await Promise.all([loadList(), loadHistory()]);
  return article;
}

async function setStatus(action) {
  if (state.isNew || state.dirty) await save();
  const article = await api("POST", `${API}/articles/${encodeURIComponent(state.current.slug)}/${action}`);
  state.current = article;
  fillForm(article);
  await Promise.all([loadList(), loadHistory()]);
  return article;
}

/* ---------------------------------------------------------------- history */
async function loadHistory() {
  if (!state.current) return;
  const data = await api("GET", `${API}/articles/${encodeURIComponent(state.current.slug)}/versions`);
  const list = $("#history");
  list.innerHTML = "";
  for (const v of data.versions) {
    const li = document.createElement("li");
    li.innerHTML = `<strong>v${v.version}</strong> ${escapeHtml(ACTIONS[v.action] || v.action)} door ${escapeHtml(v.by)}
      <span class="muted">${formatDate(v.at)}</span>${v.note ? ` <span class="muted">(${escapeHtml(v.note)})</span>` : ""}`;
    const diffButton = document.createElement("button");
    diffButton.textContent = "Verschil";
    diffButton.className = "diff-button";
    diffButton.addEventListener("click", () => showDiff(v.version));
    li.appendChild(diffButton);
    if (v.version !== state.current.version) {
      const back = document.createElement("button");
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
  const head = d.from ? `Versie ${d.from} → ${d.to}` : `Versie ${d.to} (eerste versie)`;
  box.innerHTML = `<strong>${head}</strong>` + (d.changes.length ? "" : "<p>Geen inhoudelijke wijzigingen.</p>") +
    d.changes.map((c) => `<h4>${escapeHtml(FIELDS[c.field] || c.field)}</h4>` + c.diff.map((line) => {
      const cls = line.startsWith("+ ") ? "add" : line.startsWith("- ") ? "del" : "same";
      return `<span class="${cls}">${escapeHtml(line.slice(2))}</span>`;
    }).join("")).join("");
  box.hidden = false;
}

async function rollback(version) {
  if (!confirm(`Inhoud van versie ${version} terugzetten? Dit wordt een nieuwe versie; de status blijft zoals hij is.`)) return;
  try {
    const article = await api("POST", `${API}/articles/${encodeURIComponent(state.current.slug)}/rollback`, { version });
    state.current = article;
    fillForm(article);
    await Promise.all([loadList(), loadHistory()]);
    showMessage(`Versie ${version} is teruggezet (nu versie ${article.version}).`);
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
      tr.innerHTML = `<td>${escapeHtml(g.text)}${examples.length ? `<div class="examples">ook: ${examples.map(escapeHtml).join(" · ")}</div>` : ""}</td>
        <td>${g.count}</td><td>${formatDate(g.last_at)}</td><td>${g.slugs_offered.map(escapeHtml).join(", ") || "–"}</td><td></td>`;
      const write = document.createElement("button");
      write.textContent = "Artikel schrijven";
      write.addEventListener("click", () => { showView("articles"); newArticle({ title: g.text.slice(0, 200), question: g.text.slice(0, 500) }); });
      const done = document.createElement("button");
      done.textContent = "Afgehandeld";
      done.addEventListener("click", async () => {
        try { await api("POST", `${API}/unanswered/dismiss`, { key: g.key }); tr.remove(); } catch (e) { showMessage(e.message, true); }
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
  $("#new-article").addEventListener("click", () => newArticle());
  $("#article-form").addEventListener("input", onFormInput);
  $("#article-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await save(); showMessage("Opgeslagen."); } catch (e) { showMessage(e.message, true); }
  });
  $("#publish").addEventListener("click", async () => {
    try { await setStatus("publish"); showMessage("Gepubliceerd. Inwoners vinden het artikel nu."); } catch (e) { showMessage(e.message, true); }
  });
  $("#archive").addEventListener("click", async () => {
    if (!confirm("Artikel archiveren? Inwoners en medewerkers vinden het dan niet meer.")) return;
    try { await setStatus("archive"); showMessage("Gearchiveerd."); } catch (e) { showMessage(e.message, true); }
  });
  $("#synonyms-save").addEventListener("click", saveSynonyms);
  $("#logout").addEventListener("click", async () => {
    await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" });
    window.location.href = "/login?next=/editor";
  });
  window.addEventListener("beforeunload", (event) => { if (state.dirty) event.preventDefault(); });
  try { await loadList(); } catch (e) { showMessage(e.message, true); }
}

start();
