"""The contact form's two pages, rendered on the server (they work without JavaScript).

Every value is escaped. A field the hub refused is marked in three ways (WCAG 3.3.1): a
summary at the top with a link to the field, the field's own message under its label and
``aria-invalid`` with ``aria-describedby``.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from hub.core import workdays

FIELDS = (  # name, label, input type, autocomplete, required, hint, message when refused
    ("name", "Uw naam", "text", "name", True, "", "Vul uw naam in."),
    ("email", "Uw e-mailadres", "email", "email", True, "Wij sturen ons antwoord naar dit adres.",
     "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl."),
    ("phone", "Uw telefoonnummer (niet verplicht)", "tel", "tel", False, "Dan kunnen wij u ook bellen.",
     "Vul een geldig telefoonnummer in, bijvoorbeeld 06 12345678."),
    ("subject", "Onderwerp", "text", "off", True, "Bijvoorbeeld: vraag over mijn aanvraag voor een vergunning.",
     "Vul een onderwerp in."),
    ("text", "Uw vraag of bericht", "textarea", "off", True, "Schrijf zo duidelijk mogelijk wat u wilt weten.",
     "Schrijf uw vraag of bericht (maximaal 5000 tekens)."),
)

# NL Design System components and the municipality's theme, served by the hub (hub/web/theme.py)
NLDS_LINKS = "".join(f'<link rel="stylesheet" href="/static/nlds/{name}.css">' for name in ("components", "theme", "base"))
STYLE = """
body{font-family:var(--kcc-font-family);font-size:1.125rem;line-height:1.5;
color:var(--kcc-color-text);background:var(--kcc-color-surface);margin:0}
header{background:var(--kcc-color-primary);color:var(--kcc-color-primary-text);padding:1rem 1.5rem}
header a{color:var(--kcc-color-primary-text);display:inline-block;min-height:44px;padding-block:.5rem}
main{max-width:40rem;margin:0 auto;padding:1.5rem}
label{display:block;font-weight:600;margin-top:1.25rem}
.hint{display:block;color:var(--kcc-color-text-muted);font-size:1rem}
.error{display:block;color:var(--kcc-color-error);font-weight:600}
input,textarea{display:block;width:100%;box-sizing:border-box;font:inherit;padding:.6rem;min-height:44px;
border:2px solid var(--kcc-color-border-input);border-radius:4px;margin-top:.25rem}
textarea{min-height:10rem}
[aria-invalid=true]{border-color:var(--kcc-color-error)}
input:focus,textarea:focus,button:focus,a:focus{outline:3px solid var(--kcc-color-focus);outline-offset:2px;box-shadow:0 0 0 5px var(--kcc-color-focus-inverse)}
button{margin-top:1.5rem;font:inherit;font-weight:600;color:var(--kcc-color-primary-text);background:var(--kcc-color-primary);border:0;border-radius:4px;
padding:.75rem 1.5rem;min-height:44px;cursor:pointer}
.summary{border:3px solid var(--kcc-color-error);padding:1rem;margin-bottom:1rem}
.summary h2{margin-top:0;font-size:1.25rem}
.summary a{color:var(--kcc-color-error)}
.receipt{border-left:6px solid var(--kcc-color-success);padding:.5rem 1rem;background:var(--kcc-color-surface-alt)}
"""


def _page(municipality: str, title: str, body: str) -> str:
    place = escape(municipality)
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - gemeente {place}</title>{NLDS_LINKS}<style>{STYLE}</style></head>"
        '<body class="utrecht-document kcc-theme">'
        f'<header><a class="kcc-brand" href="/">Gemeente {place}</a></header>'
        f'<main id="inhoud">{body}</main></body></html>'
    )


def _field(name: str, label: str, kind: str, autocomplete: str, required: bool, hint: str, message: str,
           value: str, refused: bool) -> str:
    described = [f"{name}-hint"] if hint else []
    parts = [f'<label for="{name}">{escape(label)}']
    if hint:
        parts.append(f'<span class="hint" id="{name}-hint">{escape(hint)}</span>')
    if refused:
        described.append(f"{name}-error")
        parts.append(f'<span class="error" id="{name}-error">Let op: {escape(message)}</span>')
    parts.append("</label>")
    attrs = (f'id="{name}" name="{name}" autocomplete="{autocomplete}"'
             + (' required aria-required="true"' if required else "")
             + (' aria-invalid="true"' if refused else "")
             + (f' aria-describedby="{" ".join(described)}"' if described else ""))
    if kind == "textarea":
        parts.append(f'<textarea {attrs} maxlength="5000">{escape(value)}</textarea>')
    else:
        parts.append(f'<input type="{kind}" {attrs} value="{escape(value)}">')
    return "".join(parts)


def render_form(municipality: str, values: dict[str, str | None], errors: dict[str, str]) -> str:
    body = ['<h1>Stel uw vraag via het contactformulier</h1>',
            "<p>Wij beantwoorden uw vraag binnen 5 werkdagen. U krijgt meteen een e-mail met uw kenmerk.</p>",
            '<p>Liever meteen antwoord? <a href="/chat">Chat met onze digitale assistent</a>.</p>']
    if errors:
        links = "".join(
            f'<li><a href="#{name}">{escape(message)}</a></li>'
            for name, _, _, _, _, _, message in FIELDS if name in errors
        ) or "<li>Het bericht is te groot.</li>"
        body.append('<div class="summary" role="alert" tabindex="-1" id="fouten">'
                    f"<h2>Er gaat iets mis. Verbeter dit:</h2><ul>{links}</ul></div>")
    body.append('<form method="post" action="/contact" novalidate>')
    for name, label, kind, autocomplete, required, hint, message in FIELDS:
        body.append(_field(name, label, kind, autocomplete, required, hint, message,
                           values.get(name) or "", name in errors))
    body.append(f'<input type="hidden" name="submission_id" value="{escape(values.get("submission_id") or "")}">')
    if values.get("page_url"):
        body.append(f'<input type="hidden" name="page_url" value="{escape(values["page_url"] or "")}">')
    body.append('<button type="submit" class="utrecht-button utrecht-button--primary-action">Verstuur uw bericht</button></form>')
    return _page(municipality, "Contactformulier", "".join(body))


def render_thanks(municipality: str, reference: str, email: str, due: datetime) -> str:
    body = (
        "<h1>Bedankt, wij hebben uw bericht ontvangen</h1>"
        f'<div class="receipt"><p>Uw kenmerk is <strong>{escape(reference)}</strong>.</p>'
        f"<p>U krijgt uiterlijk {escape(workdays.dutch_date(due))} antwoord. "
        f"Wij sturen het naar {escape(email)}.</p></div>"
        '<p>Noem uw kenmerk als u ons later over deze vraag spreekt.</p>'
        '<p><a href="/">Terug naar de voorpagina</a></p>'
    )
    return _page(municipality, "Bericht ontvangen", body)
