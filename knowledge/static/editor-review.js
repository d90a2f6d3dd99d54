/* Kennisbank-redactie, the reading aids: Dutch dates, B1 marks in the preview, the side-by-side diff.
   Loaded before editor.js; exposes window.Review. */
"use strict";

window.Review = (function () {
  const TZ = "Europe/Amsterdam";

  function escapeHtml(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  /* ---------------------------------------------------------------- Dutch dates */
  function parts(date) {
    const out = {};
    for (const p of new Intl.DateTimeFormat("nl-NL", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(date)) out[p.type] = p.value;
    return out;
  }

  /** "02-12-2026 14:30" (Amsterdam time), or "02-12-2026" with withTime false. */
  function formatDutch(iso, withTime = true) {
    if (!iso) return "";
    const p = parts(new Date(iso));
    return `${p.day}-${p.month}-${p.year}` + (withTime ? ` ${p.hour}:${p.minute}` : "");
  }

  /** "2 dec. 2026 om 14:30": for reading, not for typing. */
  function formatLong(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.toLocaleDateString("nl-NL", { timeZone: TZ, day: "numeric", month: "short", year: "numeric" }) +
      " om " + d.toLocaleTimeString("nl-NL", { timeZone: TZ, hour: "2-digit", minute: "2-digit" });
  }

  /** The UTC offset of Amsterdam at that wall-clock moment, in minutes. */
  function offsetAt(y, m, d, hh, mm) {
    const guess = new Date(Date.UTC(y, m - 1, d, hh, mm));
    const p = parts(guess);
    const shown = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
    return (shown - guess.getTime()) / 60000;
  }

  /** "d-m-jjjj [uu:mm]" typed in Amsterdam time -> ISO string; "" -> null; anything else throws. */
  function parseDutch(value, label) {
    const text = (value || "").trim();
    if (!text) return null;
    const m = text.match(/^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2}))?$/);
    if (!m) throw new Error(`${label}: schrijf de datum als dd-mm-jjjj, eventueel met een tijd (uu:mm).`);
    const [y, mo, d, hh, mi] = [+m[3], +m[2], +m[1], +(m[4] || 0), +(m[5] || 0)];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59) throw new Error(`${label}: deze datum bestaat niet.`);
    return new Date(Date.UTC(y, mo - 1, d, hh, mi) - offsetAt(y, mo, d, hh, mi) * 60000).toISOString();
  }

  /* ---------------------------------------------------------------- B1 marks */
  /** Wrap every occurrence of the needles in text nodes under root with <mark class=cls>. */
  function markText(root, needles, cls, title, whole = false) {
    const list = needles.filter((n) => n && n.length > 1).sort((a, b) => b.length - a.length);
    if (!list.length) return;
    const alternatives = list.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    const pattern = new RegExp(whole ? `(?<!\\p{L})(?:${alternatives})(?!\\p{L})` : alternatives, "giu");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      if (node.parentElement && node.parentElement.closest(`mark.${cls}`)) continue;
      const text = node.nodeValue;
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      pattern.lastIndex = 0;
      const frag = document.createDocumentFragment();
      let last = 0;
      for (const match of text.matchAll(pattern)) {
        if (match.index > last) frag.appendChild(document.createTextNode(text.slice(last, match.index)));
        const mark = document.createElement("mark");
        mark.className = cls;
        mark.title = title;
        mark.textContent = match[0];
        frag.appendChild(mark);
        last = match.index + match[0].length;
      }
      if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(frag, node);
    }
  }

  /** Mark each flagged long sentence and each hard word in the preview, where they stand. */
  function markPreview(root, flags) {
    markText(root, flags.filter((f) => f.long).map((f) => f.sentence), "long", "Lange zin: maak er twee zinnen van.");
    const words = [...new Set(flags.flatMap((f) => [...f.hard_words, ...f.jargon]))];
    markText(root, words, "hard", "Moeilijk woord: kies een korter of gewoner woord.", true);
  }

  function flagList(flags) {
    if (!flags.length) return "<li class='muted'>Geen lange zinnen of moeilijke woorden gevonden.</li>";
    return flags.map((f) => {
      const why = [];
      if (f.long) why.push(`${f.words} woorden`);
      if (f.hard_words.length) why.push("moeilijk: " + f.hard_words.map(escapeHtml).join(", "));
      if (f.jargon.length) why.push("ambtelijk: " + f.jargon.map(escapeHtml).join(", "));
      return `<li class="${f.long ? "flag-long" : ""}"><q>${escapeHtml(f.sentence)}</q> <span class="muted">(${why.join("; ")})</span></li>`;
    }).join("");
  }

  /* ---------------------------------------------------------------- side-by-side diff */
  function pieces(list) {
    if (!list) return "";
    return list.map((p) => p.changed ? `<span class="chg">${escapeHtml(p.text)}</span>` : escapeHtml(p.text)).join("");
  }

  function diffTable(change, label) {
    const rows = change.rows.map((r) => `<tr class="${r.kind}">
        <td class="old">${r.left ? pieces(r.left) : "<span class='sr-only'>leeg</span>"}</td>
        <td class="new">${r.right ? pieces(r.right) : "<span class='sr-only'>leeg</span>"}</td></tr>`).join("");
    return `<table class="sbs"><caption>${escapeHtml(label)}</caption>
      <thead><tr><th scope="col">Voor</th><th scope="col">Na</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  return { escapeHtml, formatDutch, formatLong, parseDutch, markPreview, flagList, diffTable };
})();
