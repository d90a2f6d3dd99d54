/* KCC-console, panel "Afspraken" (issue 17): the contact's upcoming appointments, booking, moving and
 * cancelling for the open conversation (/api/v1/handover/conversations/{id}/appointments...), and the
 * colleagues' free/busy (/api/v1/agenda/freebusy). A separate file: console.js only tells it which
 * conversation is open (the "kcc:conversation" event). Everything from the server is put on the page as text.
 */
(function () {
  "use strict";
  var HANDOVER = "/api/v1/handover";
  var csrf = null, data = null, moving = null, products = [];
  var $ = function (id) { return document.getElementById(id); };

  var el = window.kccDom.el, clear = window.kccDom.clear;  // console_dom.js
  function call(method, url, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf || "" }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (d) {
        if (!r.ok) throw new Error((d && d.error && d.error.message) || "Er ging iets mis.");
        return d;
      });
    });
  }
  function say(text) { $("appt-result").textContent = text; }
  function slotText(iso) {
    var d = new Date(iso);
    return d.toLocaleDateString("nl-NL", { weekday: "short", day: "numeric", month: "short", timeZone: "Europe/Amsterdam" }) + " " +
      d.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" });
  }
  function convUrl(tail) { return HANDOVER + "/conversations/" + encodeURIComponent(data.conversation.id) + "/appointments" + (tail || ""); }

  // ------------------------------------------------------------------ the contact's appointments
  function loadList() {
    var ul = clear($("appt-list"));
    if (!data.contact) { ul.appendChild(el("li", { class: "muted", text: "Nog geen contact bekend." })); return Promise.resolve(); }
    return call("GET", "/api/v1/contacts/" + encodeURIComponent(data.contact.id) + "/appointments").then(function (r) {
      if (!r.appointments.length) ul.appendChild(el("li", { class: "muted", text: "Geen komende afspraken." }));
      r.appointments.forEach(function (a) {
        ul.appendChild(el("li", { "data-reference": a.reference }, [
          el("div", { text: (a.product_name || a.product) + " · " + a.when }),
          el("div", { class: "muted", text: a.reference + " · " + a.place }),
          el("button", { type: "button", class: "secondary", text: "Verzetten", "aria-label": "Afspraak " + a.reference + " verzetten",
            onclick: function () { startMove(a); } }),
          el("button", { type: "button", class: "secondary", text: "Afzeggen", "aria-label": "Afspraak " + a.reference + " afzeggen",
            onclick: function () { cancel(a); } })
        ]));
      });
    }).catch(function (e) { ul.appendChild(el("li", { class: "muted", text: e.message })); });
  }

  // ------------------------------------------------------------------ book and move
  function fillProducts() {
    var sel = $("appt-product"), keep = sel.value;
    clear(sel);
    products.forEach(function (p) { sel.appendChild(el("option", { value: p.slug, text: p.name })); });
    if (keep) sel.value = keep;
    var list = clear($("fb-calendars"));
    products.map(function (p) { return p.calendar; }).filter(function (c, i, all) { return all.indexOf(c) === i; })
      .forEach(function (c) { list.appendChild(el("option", { value: c })); });
  }
  function findSlots() {
    var sel = clear($("appt-slot"));
    sel.appendChild(el("option", { value: "", text: "Even zoeken…" }));
    return call("GET", "/api/v1/appointments/slots?limit=12&product=" + encodeURIComponent($("appt-product").value)).then(function (r) {
      clear(sel);
      if (!r.slots.length) sel.appendChild(el("option", { value: "", text: "Geen vrije tijden" }));
      r.slots.forEach(function (s) { sel.appendChild(el("option", { value: s.start, text: slotText(s.start) + " (" + s.free + " vrij)" })); });
    }).catch(function (e) { clear(sel); say(e.message); });
  }
  function startMove(a) {
    moving = a;
    $("appt-details").open = true;
    $("appt-product").value = a.product;
    $("appt-product").disabled = true;
    $("appt-moving").hidden = false;
    $("appt-moving").textContent = "Verzetten: " + (a.product_name || a.product) + " van " + a.when + " (" + a.reference + "). Kies een nieuwe tijd.";
    $("appt-submit").textContent = "Verzetten naar deze tijd";
    $("appt-stop-move").hidden = false;
    findSlots().then(function () { $("appt-slot").focus(); });
  }
  function stopMove() {
    moving = null;
    $("appt-product").disabled = false;
    $("appt-moving").hidden = true;
    $("appt-submit").textContent = "Afspraak maken";
    $("appt-stop-move").hidden = true;
  }
  function submit(e) {
    e.preventDefault();
    var start = $("appt-slot").value;
    if (!start) { say("Kies eerst een tijd."); return; }
    var done;
    if (moving) {
      done = call("POST", convUrl("/" + encodeURIComponent(moving.reference) + "/move"), { start: start })
        .then(function (a) { stopMove(); say("Verzet naar " + a.when + ". Kenmerk " + a.reference + "."); });
    } else {
      var body = { product: $("appt-product").value, start: start };
      if ($("appt-email").value) body.email = $("appt-email").value;
      if ($("appt-phone").value) body.phone = $("appt-phone").value;
      done = call("POST", convUrl(), body).then(function (a) {
        say("Afspraak gemaakt: " + a.when + ", " + a.place + ". Kenmerk " + a.reference + ".");
        $("appt-email").value = ""; $("appt-phone").value = "";
      });
    }
    done.then(function () { clear($("appt-slot")).appendChild(el("option", { value: "", text: "Zoek eerst vrije tijden" })); return loadList(); })
      .catch(function (err) { say(err.message); });
  }
  function cancel(a) {
    if (!confirm("Afspraak " + a.reference + " van " + a.when + " afzeggen?")) return;
    call("POST", convUrl("/" + encodeURIComponent(a.reference) + "/cancel"))
      .then(function () { say("Afspraak " + a.reference + " is afgezegd."); if (moving && moving.reference === a.reference) stopMove(); return loadList(); })
      .catch(function (err) { say(err.message); });
  }

  // ------------------------------------------------------------------ colleagues' free/busy
  function freebusy(e) {
    e.preventDefault();
    var day = $("fb-day").value, ul = clear($("fb-list"));
    var q = "?calendar=" + encodeURIComponent($("fb-calendar").value.trim()) + "&from=" + day + "&to=" + day;
    call("GET", "/api/v1/agenda/freebusy" + q).then(function (r) {
      if (!r.busy.length) ul.appendChild(el("li", { text: "De hele dag vrij." }));
      r.busy.forEach(function (b) {
        ul.appendChild(el("li", { text: "Bezet " + slotText(b.start).split(" ").pop() + "–" + slotText(b.end).split(" ").pop() }));
      });
    }).catch(function (err) { ul.appendChild(el("li", { class: "muted", text: err.message })); });
  }

  // ------------------------------------------------------------------ start
  document.addEventListener("kcc:conversation", function (e) {
    var changed = !data || data.conversation.id !== e.detail.conversation.id;
    data = e.detail;
    $("appt-box").hidden = false;
    if (changed) { stopMove(); say(""); }
    loadList();
  });
  $("appt-find").addEventListener("click", findSlots);
  $("appt-form").addEventListener("submit", submit);
  $("appt-stop-move").addEventListener("click", stopMove);
  $("fb-form").addEventListener("submit", freebusy);
  $("fb-day").value = new Date().toISOString().slice(0, 10);
  call("GET", HANDOVER + "/me").then(function (m) {
    csrf = m.csrf_token;
    return call("GET", HANDOVER + "/appointment-products");
  }).then(function (r) { products = r.products; fillProducts(); }).catch(function () {});
})();
