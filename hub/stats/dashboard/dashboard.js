"use strict";
// Supervisor dashboard: figures from /api/v1/stats/summary drawn as inline SVG (no libraries, nothing
// from the internet), norms drawn in, breaches red; live queue from /api/v1/stats/live.

const SVGNS = "http://www.w3.org/2000/svg";
const CHANNELS = { webchat: "Webchat", whatsapp: "WhatsApp", sms: "Sms", email: "E-mail", telegram: "Telegram",
  messenger: "Messenger", instagram: "Instagram", webform: "Webformulier" };
// one colour per channel on every chart and legend (and a grey for any channel not listed)
const CHANNEL_COLORS = { webchat: "#154273", whatsapp: "#39870c", sms: "#a90061", email: "#e17000", webform: "#42145f",
  telegram: "#0077b6", messenger: "#6b4fbb", instagram: "#b3541e" };
const colorOf = (c) => CHANNEL_COLORS[c] || "#6b7280";
const MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
let DAY_LABELS = {};
const num = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 1 });
const WHEN = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" };
const num2 = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 2 });
let MIN_GROUP = 5;
let LAST = null;

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// ------------------------------------------------------------------ numbers
const pct = (v) => `${num.format(v * 100)}%`;
const plain = (v) => num.format(v);
const score = (v) => num2.format(v);
function dur(s) {
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60), r = s % 60;
  if (m < 60) return `${m}:${String(r).padStart(2, "0")} min`;
  return `${Math.floor(m / 60)} u ${String(m % 60).padStart(2, "0")} min`;
}
function show(metric, fmt = plain) {
  if (metric === null || metric === undefined) return "–";
  if (typeof metric !== "object") return fmt(metric);
  if (metric.suppressed) return `< ${MIN_GROUP}`;
  return metric.value === null ? "–" : fmt(metric.value);
}
const channelName = (c) => CHANNELS[c] || c || "onbekend";
// Dutch dates from the API (hub.core.workdays.dutch_date): "1 dec", never "12-01"
function dayLabel(day) {
  if (DAY_LABELS[day]) return DAY_LABELS[day];
  const [, m, d] = day.split("-");
  return `${Number(d)} ${MONTHS[Number(m) - 1]}`;
}
function bucketLabel(bucket, granularity) {
  if (granularity === "week") return `week ${Number(bucket.split("-W")[1])}`;
  if (granularity === "hour") return `${dayLabel(bucket.slice(0, 10))} ${bucket.slice(11, 13)} u`;
  return dayLabel(bucket);
}
const teamName = (t) => t || "(alleen bot)";

// ------------------------------------------------------------------ filters
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function initForm() {
  const form = $("#filters");
  const q = new URLSearchParams(location.search);
  const t = today();
  form.from.value = q.get("from") || `${t.slice(0, 8)}01`;
  form.to.value = q.get("to") || t;
  for (const name of ["channel", "team", "topic", "granularity"]) if (q.get(name)) form[name].value = q.get(name);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    history.replaceState(null, "", `/dashboard?${params()}`);
    load();
  });
}

function params(extra = {}) {
  const form = $("#filters");
  const p = new URLSearchParams();
  for (const name of ["from", "to", "channel", "team", "topic", "granularity"]) {
    const v = form[name].value.trim();
    if (v) p.set(name, v);
  }
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

function csvLink(figure, table) {
  return `/api/v1/stats/${figure.replace(/_/g, "-")}?${params({ format: "csv", table })}`;
}

// ------------------------------------------------------------------ charts
// items: [{label, value (number|null), suppressed, breach}]; norm: number or null
function barChart(name, items, { norm = null, fmt = plain, max = null, higherIsBetter = true, width = 600 } = {}) {
  const W = width, H = 240, L = 64, R = 12, T = 22, B = 40;
  const shown = items.filter((i) => i.value !== null && i.value !== undefined);
  const top = max ?? Math.max(1e-9, norm ?? 0, ...shown.map((i) => i.value)) * 1.12;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": name, "data-chart": name,
    "data-total": shown.reduce((a, i) => a + i.value, 0), "data-bars": shown.length });
  chart.append(svg("title", {}, name));
  const y = (v) => T + (H - T - B) * (1 - v / top);
  chart.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  chart.append(svg("text", { x: L - 6, y: y(0) + 4, "text-anchor": "end" }, fmt(0)));
  chart.append(svg("text", { x: L - 6, y: y(top) + 10, "text-anchor": "end" }, fmt(top)));
  if (!items.length) {
    chart.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "Geen gegevens in deze periode"));
    return chart;
  }
  const slot = (W - L - R) / items.length;
  const bw = Math.max(2, Math.min(48, slot * 0.7));
  const every = Math.ceil(items.length / Math.max(2, Math.floor((W - L - R) / 56)));
  items.forEach((item, i) => {
    const x = L + slot * i + (slot - bw) / 2;
    if (item.suppressed) {
      chart.append(svg("rect", { class: "suppressed", x, y: y(0) - 4, width: bw, height: 4, "data-label": item.label,
        "data-suppressed": "true" }));
    } else if (item.value !== null && item.value !== undefined) {
      const bar = svg("rect", { class: item.breach ? "bar breach" : "bar", x, y: y(item.value), width: bw,
        height: Math.max(0, y(0) - y(item.value)), "data-label": item.label, "data-value": item.value });
      bar.append(svg("title", {}, `${item.label}: ${fmt(item.value)}${item.breach ? " (haalt de norm niet)" : ""}`));
      chart.append(bar);
      if (slot >= 44) {
        chart.append(svg("text", { x: x + bw / 2, y: y(item.value) - 3, "text-anchor": "middle",
          class: item.breach ? "breach" : null }, fmt(item.value)));
      }
    }
    if (i % every === 0) {
      chart.append(svg("text", { x: x + bw / 2, y: H - B + 16, "text-anchor": "middle", class: "tick" }, item.short || item.label));
    }
  });
  if (norm !== null && norm !== undefined) {  // the target line, drawn over the bars
    chart.append(svg("line", { class: "normline", x1: L, x2: W - R, y1: y(norm), y2: y(norm), "data-norm": norm }));
    chart.append(svg("text", { class: "normlabel", x: W - R, y: y(norm) - 5, "text-anchor": "end" },
      `doel ${higherIsBetter ? "minimaal" : "maximaal"} ${fmt(norm)}`));
  }
  return chart;
}

function channelChart(rows, width = 600) {
  const W = width, L = 110, R = 60, row = 34;
  const H = Math.max(40, rows.length * row + 10);
  const shown = rows.filter((r) => r.contacts.value !== null);
  const top = Math.max(1, ...shown.map((r) => r.contacts.value));
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Contacten per kanaal", "data-chart": "by-channel",
    "data-total": shown.reduce((a, r) => a + r.contacts.value, 0), "data-bars": shown.length });
  rows.forEach((r, i) => {
    const yy = 6 + i * row;
    chart.append(svg("text", { x: L - 8, y: yy + 15, "text-anchor": "end" }, channelName(r.channel)));
    if (r.contacts.suppressed) {
      chart.append(svg("rect", { class: "suppressed", x: L, y: yy + 4, width: 6, height: 16, "data-label": r.channel,
        "data-suppressed": "true" }));
      chart.append(svg("text", { x: L + 12, y: yy + 16 }, `< ${MIN_GROUP}`));
    } else {
      const w = (W - L - R) * (r.contacts.value / top);
      chart.append(svg("rect", { class: "bar channel", x: L, y: yy + 4, width: Math.max(1, w), height: 16, style: `fill: ${colorOf(r.channel)}`,
        "data-label": r.channel, "data-value": r.contacts.value, "data-color": colorOf(r.channel) }));
      chart.append(svg("text", { x: L + w + 6, y: yy + 16 }, plain(r.contacts.value)));
    }
  });
  if (!rows.length) chart.append(svg("text", { x: W / 2, y: 24, "text-anchor": "middle" }, "Geen contacten in deze periode"));
  return chart;
}

function seriesChart(series, granularity, width = 1200) {
  const W = width, H = 260, L = 50, R = 130, T = 12, B = 40;
  const buckets = [...new Set(series.map((r) => r.bucket))];
  const channels = [...new Set(series.map((r) => r.channel))];
  const stack = {};
  for (const r of series) {
    stack[r.bucket] = stack[r.bucket] || 0;
    if (r.contacts.value !== null) stack[r.bucket] += r.contacts.value;
  }
  const total = Object.values(stack).reduce((a, b) => a + b, 0);
  const top = Math.max(1, ...Object.values(stack)) * 1.1;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Contacten per periode", "data-chart": "series", "data-total": total,
    "data-granularity": granularity });
  const y = (v) => T + (H - T - B) * (1 - v / top);
  chart.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  chart.append(svg("text", { x: L - 6, y: y(top) + 10, "text-anchor": "end" }, plain(Math.round(top))));
  chart.append(svg("text", { x: L - 6, y: y(0) + 4, "text-anchor": "end" }, "0"));
  if (!buckets.length) {
    chart.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "Geen contacten in deze periode"));
    return chart;
  }
  const slot = (W - L - R) / buckets.length;
  const bw = Math.max(2, Math.min(40, slot * 0.75));
  const every = Math.ceil(buckets.length / Math.max(2, Math.floor((W - L - R) / (granularity === "hour" ? 90 : 56))));
  buckets.forEach((b, i) => {
    const x = L + slot * i + (slot - bw) / 2;
    let base = 0;
    for (const r of series.filter((s) => s.bucket === b)) {
      const color = colorOf(r.channel);
      if (r.contacts.suppressed) {
        chart.append(svg("rect", { class: "suppressed", x, y: y(base) - 3, width: bw, height: 3, "data-bucket": b,
          "data-channel": r.channel, "data-suppressed": "true" }));
        continue;
      }
      const v = r.contacts.value;
      const rect = svg("rect", { class: "seg", x, y: y(base + v), width: bw, height: y(base) - y(base + v), fill: color,
        "data-bucket": b, "data-channel": r.channel, "data-value": v, "data-color": color });
      rect.append(svg("title", {}, `${bucketLabel(b, granularity)} ${channelName(r.channel)}: ${v}`));
      chart.append(rect);
      base += v;
    }
    if (i % every === 0) {
      chart.append(svg("text", { x: x + bw / 2, y: H - B + 16, "text-anchor": "middle", class: "tick" }, bucketLabel(b, granularity)));
    }
  });
  channels.forEach((c, i) => {
    chart.append(svg("rect", { class: "key", x: W - R + 14, y: T + i * 20, width: 13, height: 13, fill: colorOf(c), "data-channel": c,
      "data-color": colorOf(c) }));
    chart.append(svg("text", { x: W - R + 32, y: T + i * 20 + 11 }, channelName(c)));
  });
  return chart;
}

// charts are drawn at the width of their box, so 13 px text stays 13 px on a phone and a wide screen
function place(id, make) {
  const box = document.getElementById(id);
  box.replaceChildren(make(Math.max(280, Math.floor(box.clientWidth || 600))));
}

// ------------------------------------------------------------------ KPIs and tables
function kpi(key, label, metric, fmt, normText, isBreach) {
  return el("div", { class: isBreach ? "kpi breach" : "kpi", "data-kpi": key, "data-breach": isBreach ? "true" : "false" },
    el("div", { class: "label", text: label }),
    el("div", { class: "value", text: show(metric, fmt) }),
    el("div", { class: "norm", text: normText || "" }));
}

function renderKpis(f, norms) {
  const box = $("#kpis");
  box.replaceChildren(
    kpi("contacts", "Contacten", f.contacts.total),
    kpi("containment", "Door de bot beantwoord", f.containment.containment, pct, `norm minimaal ${pct(norms.containment)}`,
      f.containment.breach),
    kpi("handover", "Doorgezet naar medewerker", f.containment.handover_rate, pct),
    kpi("wait", "Wachttijd p90", f.wait.p90_s, dur, `norm maximaal ${dur(norms.wait_p90_s)}`, f.wait.breach),
    kpi("abandoned", "Verlaten in de wachtrij", f.abandoned.rate, pct, `norm maximaal ${pct(norms.abandoned)}`,
      f.abandoned.breach),
    kpi("callbacks", "Teruggebeld binnen 2 werkdagen", f.callbacks.share_on_time, pct,
      `norm minimaal ${pct(norms.callback_on_time)}`, f.callbacks.breach),
    kpi("answers", "Vragen beantwoord binnen 5 werkdagen", f.answers.share_on_time, pct,
      `norm minimaal ${pct(norms.answer_5_days)}`, f.answers.breach),
    kpi("within-term", "Binnen de termijn afgehandeld", f.within_term.overall.share_within_term, pct,
      `doel minimaal ${pct(norms.within_term)}`, f.within_term.overall.breach),
    kpi("pickup", `Chat opgepakt binnen ${dur(norms.pickup_s)}`, f.pickup.overall.share_within_norm, pct,
      `doel minimaal ${pct(norms.within_term)}`, f.pickup.overall.breach),
    kpi("first-contact", "Opgelost bij het eerste contact", f.first_contact.overall.share_resolved, pct,
      `doel minimaal ${pct(norms.first_contact)}`, f.first_contact.overall.breach),
    kpi("satisfaction", "Rapportcijfer (1-10)", f.satisfaction.overall.average, score,
      `doel minimaal ${score(norms.satisfaction)}`, f.satisfaction.overall.breach),
  );
}

// columns: [{key, label, fmt, num, breach(row)}]
function table(title, columns, rows, links, note, wide = false) {
  const head = el("tr", {}, ...columns.map((c) => el("th", { class: c.num ? "num" : null, text: c.label })));
  const body = rows.map((r) => el("tr", {}, ...columns.map((c) => {
    const raw = typeof c.key === "function" ? c.key(r) : r[c.key];
    const text = c.fmt === "text" ? (raw ?? "–") : show(raw, c.fmt);
    const bad = c.breach && c.breach(r);
    return el("td", { class: [c.num ? "num" : "", bad ? "breach" : ""].join(" ").trim() || null, text });
  })));
  const h3 = el("h3", {}, el("span", { text: title }),
    el("span", {}, ...links.map(([label, href]) => el("a", { href, text: label, class: "csv" }))));
  const children = [h3, el("table", { "data-table": title }, el("thead", {}, head),
    el("tbody", {}, ...(body.length ? body : [el("tr", {}, el("td", { class: "empty", colspan: columns.length,
      text: "Geen gegevens" }))])))];
  if (note) children.push(el("p", { class: "muted", text: note }));
  return el("div", { class: wide ? "table-box wide" : "table-box" }, ...children);
}

// the norms per channel, team or topic side by side: one row per group, one column per norm
function normRows(f, by, label) {
  const rows = new Map();
  const add = (list, key) => (list || []).forEach((r) => {
    const id = r[label] ?? "";
    rows.set(id, { ...(rows.get(id) || { [label]: r[label] }), [key]: r });
  });
  add(f.within_term[by], "term");
  add(f.pickup[by], "pickup");
  add(f.first_contact[by], "fcr");
  add(f.containment[by], "bot");
  add(f.callbacks[by], "callback");
  add(f.satisfaction[by], "grade");
  return [...rows.values()];
}

function normTable(title, f, by, label, name, csv) {
  const cell = (key, metric, fmt = pct) => ({ key: (r) => (r[key] ? r[key][metric] : null), fmt, num: true,
    breach: (r) => Boolean(r[key] && r[key].breach) });
  return table(title, [
    { key: (r) => name(r[label]), label: { channel: "Kanaal", team: "Team", topic: "Onderwerp" }[label], fmt: "text" },
    { ...cell("term", "share_within_term"), label: "Binnen termijn" },
    { ...cell("pickup", "share_within_norm"), label: "Chat opgepakt" },
    { ...cell("fcr", "share_resolved"), label: "Eerste contact" },
    { ...cell("bot", "containment"), label: "Alleen bot" },
    { ...cell("callback", "share_on_time"), label: "Teruggebeld" },
    { ...cell("grade", "average", score), label: "Cijfer" },
    { key: (r) => (r.grade ? r.grade.responses : null), label: "Cijfers", num: true },
  ], normRows(f, by, label), csv, null, true);
}

function renderTables(f) {
  const times = [["Wachttijd in de wachtrij", "wait"], ["Tot het eerste antwoord van een medewerker", "first_reply"],
    ["Afhandeltijd", "handling"]].map(([label, key]) => ({ label, ...f[key], key }));
  const deadlines = [["Teruggebeld binnen 2 werkdagen", "callbacks"], ["Vragen beantwoord binnen 5 werkdagen", "answers"]]
    .map(([label, key]) => ({ label, ...f[key], key }));
  const csvBy = (by) => [["CSV termijn", csvLink("within_term", by)], [" oppakken", csvLink("pickup", by)],
    [" eerste contact", csvLink("first_contact", by)], [" bot", csvLink("containment", by)],
    [" terugbellen", csvLink("callbacks", by)], [" cijfer", csvLink("satisfaction", by)]];
  const unanswered = f.unanswered.by_topic.flatMap((g) => g.questions.map((q, i) => ({
    topic: i === 0 ? (g.topic || "(geen onderwerp)") : "", question: q.question || `(geen voorbeeld; trefwoorden: ${q.key})`,
    count: q.count })));
  $("#tables").replaceChildren(
    table("Contacten per kanaal", [
      { key: (r) => channelName(r.channel), label: "Kanaal", fmt: "text" },
      { key: "contacts", label: "Contacten", num: true },
    ], f.contacts.by_channel, [["CSV", csvLink("contacts", "by_channel")], [" reeks", csvLink("contacts", "series")]]),
    table("Tijden", [
      { key: "label", label: "", fmt: "text" },
      { key: "n", label: "Aantal", num: true },
      { key: "avg_s", label: "Gemiddeld", fmt: dur, num: true },
      { key: "p50_s", label: "p50", fmt: dur, num: true },
      { key: "p90_s", label: "p90", fmt: dur, num: true, breach: (r) => r.breach },
      { key: "max_s", label: "Langste", fmt: dur, num: true },
    ], times, [["CSV wacht", csvLink("wait", "wait")], [" antwoord", csvLink("first_reply", "first_reply")],
      [" afhandeling", csvLink("handling", "handling")]], null, true),
    table("Terugbellen en vragen op tijd", [
      { key: "label", label: "", fmt: "text" },
      { key: "created", label: "Aangemaakt", num: true },
      { key: "on_time", label: "Op tijd", num: true },
      { key: "late", label: "Te laat", num: true },
      { key: "pending", label: "Loopt nog", num: true },
      { key: "share_on_time", label: "Op tijd", fmt: pct, num: true, breach: (r) => r.breach },
      { key: "norm", label: "Norm", fmt: pct, num: true },
    ], deadlines, [["CSV terugbellen", csvLink("callbacks", "callbacks")], [" vragen", csvLink("answers", "answers")]],
    null, true),
    table("Zaken per soort", [
      { key: "case_type", label: "Soort zaak", fmt: "text" },
      { key: "cases", label: "Zaken", num: true },
    ], f.cases.rows, [["CSV", csvLink("cases", "rows")]]),
    table("Meest gevraagde onderwerpen", [
      { key: "topic", label: "Onderwerp", fmt: "text" },
      { key: "contacts", label: "Contacten", num: true },
      { key: "containment", label: "Bot", fmt: pct, num: true },
      { key: "handover_rate", label: "Doorgezet", fmt: pct, num: true },
    ], f.topics.rows, [["CSV", csvLink("topics", "rows")]]),
    table("Vragen die de bot niet kon beantwoorden, per onderwerp", [
      { key: "topic", label: "Onderwerp", fmt: "text" },
      { key: "question", label: "Voorbeeld van de vraag", fmt: "text" },
      { key: "count", label: "Aantal", num: true },
    ], unanswered, [["CSV", csvLink("unanswered", "rows")]],
    "Voorbeelden zonder e-mailadressen, telefoonnummers, BSN's en postcodes.", true),
    normTable("Normen per kanaal", f, "by_channel", "channel", channelName, csvBy("by_channel")),
    normTable("Normen per team", f, "by_team", "team", teamName, csvBy("by_team")),
    normTable("Normen per onderwerp", f, "by_topic", "topic", (t) => t || "(geen onderwerp)", csvBy("by_topic")),
    table("Bezetting per team", [
      { key: (r) => teamName(r.team), label: "Team", fmt: "text" },
      { key: "online_h", label: "Online (uur)", num: true },
      { key: "handling_h", label: "Afhandeling (uur)", fmt: score, num: true },
      { key: "occupancy", label: "Bezetting", fmt: pct, num: true },
    ], f.occupancy.rows, [["CSV", csvLink("occupancy", "rows")]], f.occupancy.note || null),
    table("Per dag", [
      { key: (r) => dayLabel(r.day), label: "Dag", fmt: "text" },
      { key: "contacts", label: "Contacten", num: true },
      { key: "within_term", label: "Binnen termijn", fmt: pct, num: true, breach: (r) => r.breaches.includes("within_term") },
      { key: "pickup", label: "Chat opgepakt", fmt: pct, num: true, breach: (r) => r.breaches.includes("pickup") },
      { key: "first_contact", label: "Eerste contact", fmt: pct, num: true, breach: (r) => r.breaches.includes("first_contact") },
      { key: "containment", label: "Bot", fmt: pct, num: true, breach: (r) => r.breaches.includes("containment") },
      { key: "wait_p90_s", label: "Wacht p90", fmt: dur, num: true, breach: (r) => r.breaches.includes("wait_p90_s") },
      { key: "abandoned", label: "Verlaten", fmt: pct, num: true, breach: (r) => r.breaches.includes("abandoned") },
      { key: "callback_on_time", label: "Terugbellen", fmt: pct, num: true, breach: (r) => r.breaches.includes("callback_on_time") },
      { key: "answer_5_days", label: "Vragen", fmt: pct, num: true, breach: (r) => r.breaches.includes("answer_5_days") },
      { key: "satisfaction", label: "Cijfer", fmt: score, num: true, breach: (r) => r.breaches.includes("satisfaction") },
    ], f.daily.rows, [["CSV", csvLink("daily", "rows")]], null, true),
  );
}

function renderCharts(body) {
  const f = body.figures, norms = body.norms, rows = f.daily.rows;
  const perDay = (key) => rows.map((r) => ({
    label: r.day, short: dayLabel(r.day), value: r[key].value, suppressed: r[key].suppressed,
    breach: r.breaches.includes(key),
  })).filter((i) => i.value !== null || i.suppressed);
  const bars = (id, name, key, opts) => place(id, (width) => barChart(name, perDay(key), { ...opts, width }));
  place("chart-by-channel", (width) => channelChart(f.contacts.by_channel, width));
  $("#series-title").textContent = `Contacten per ${{ hour: "uur", day: "dag", week: "week" }[body.granularity]} en kanaal`;
  place("chart-series", (width) => seriesChart(f.contacts.series, body.granularity, width));
  bars("chart-within-term", "within-term", "within_term", { norm: norms.within_term, fmt: pct, max: 1 });
  bars("chart-pickup", "pickup", "pickup", { norm: norms.within_term, fmt: pct, max: 1 });
  bars("chart-first-contact", "first-contact", "first_contact", { norm: norms.first_contact, fmt: pct, max: 1 });
  bars("chart-wait", "wait-p90", "wait_p90_s", { norm: norms.wait_p90_s, fmt: dur, higherIsBetter: false });
  bars("chart-containment", "containment", "containment", { norm: norms.containment, fmt: pct, max: 1 });
  bars("chart-abandoned", "abandoned", "abandoned", { norm: norms.abandoned, fmt: pct, max: 1, higherIsBetter: false });
  bars("chart-callbacks", "callbacks", "callback_on_time", { norm: norms.callback_on_time, fmt: pct, max: 1 });
  bars("chart-answers", "answers", "answer_5_days", { norm: norms.answer_5_days, fmt: pct, max: 1 });
  bars("chart-satisfaction", "satisfaction", "satisfaction", { norm: norms.satisfaction, fmt: score, max: 10 });
}

function fillLists(f, live) {
  const fill = (id, values) => $(id).replaceChildren(...[...new Set(values.filter(Boolean))].map((v) => el("option", { value: v })));
  fill("#channels", f.contacts.by_channel.map((r) => r.channel));
  fill("#teams", [...f.within_term.by_team.map((r) => r.team), ...f.occupancy.rows.map((r) => r.team),
    ...(live ? live.teams.map((r) => r.team) : [])]);
  fill("#topics", f.topics.rows.map((r) => r.topic));
}

// ------------------------------------------------------------------ loading
async function getJson(url) {
  const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (resp.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error("niet ingelogd");
  }
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.error ? body.error.message : `fout ${resp.status}`);
  return body;
}

async function load() {
  const status = $("#status");
  status.className = "";
  status.textContent = "Cijfers worden geladen…";
  $("#csv-all").href = `/api/v1/stats/summary?${params({ format: "csv" })}`;
  try {
    const body = await getJson(`/api/v1/stats/summary?${params()}`);
    LAST = body;
    MIN_GROUP = body.min_group;
    DAY_LABELS = body.day_labels || {};
    renderKpis(body.figures, body.norms);
    renderCharts(body);
    renderTables(body.figures);
    fillLists(body.figures, null);
    const until = body.refreshed_until ? new Date(body.refreshed_until).toLocaleString("nl-NL", WHEN) : "nog niet";
    status.textContent = `Periode ${body.period.label}. Bijgewerkt tot ${until}.`;
    document.body.dataset.loaded = "true";
  } catch (err) {
    status.className = "error";
    status.textContent = `De cijfers konden niet worden geladen: ${err.message}`;
  }
}

async function loadLive() {
  try {
    const team = $("#filters").team.value.trim();
    const live = await getJson(`/api/v1/stats/live${team ? `?team=${encodeURIComponent(team)}` : ""}`);
    const rows = [...live.teams, { team: "Totaal", ...live.total, total: true }];
    $("#live-rows").replaceChildren(...rows.map((r) => el("tr", { "data-team": r.total ? "__total" : (r.team || "") },
      el("th", { text: r.total ? "Totaal" : teamName(r.team) }),
      el("td", { class: "num", text: String(r.waiting) }),
      el("td", { class: "num", text: r.longest_wait_s === null ? "–" : dur(r.longest_wait_s) }),
      el("td", { class: "num", text: String(r.agents_available) }),
      el("td", { class: "num", text: String(r.agents_online) }))));
    $("#live-at").textContent = `(${new Date(live.at).toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" })})`;
    if (LAST) fillLists(LAST.figures, live);
  } catch (err) {
    $("#live-at").textContent = `(niet bij te werken: ${err.message})`;
  }
}

let resizing = null;
window.addEventListener("resize", () => {  // redraw at the new width (text keeps its size)
  clearTimeout(resizing);
  resizing = setTimeout(() => { if (LAST) renderCharts(LAST); }, 150);
});

initForm();
load();
loadLive();
setInterval(loadLive, 15000);
