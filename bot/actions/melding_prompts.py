"""What the melding form says, per channel: photo and location only where they can be sent.

The web chat gets the widget's buttons ("Deel mijn locatie", "Foto toevoegen"); WhatsApp,
Telegram and Messenger are told they can send them; SMS is asked for an address in words and
never for a photo (``channels.capabilities``). Before the report is sent the resident sees a
summary: "Klopt dit?".
"""

from __future__ import annotations

import re
from typing import Any

from channels.capabilities import WIDGET_LOCATION, WIDGET_PHOTO, can_send

NO_PHOTO = {"title": "Geen foto", "payload": "geen foto"}
CHANGES = [  # (button title, payload, the slot it asks again, words that name it)
    ("Omschrijving", "omschrijving aanpassen", "melding_what", r"omschrijving|wat er is|beschrijving"),
    ("Adres", "adres aanpassen", "melding_where", r"adres|plek|plaats|locatie|straat"),
    ("Foto", "foto aanpassen", "melding_photo", r"foto"),
    ("Contactgegevens", "contact aanpassen", "melding_contact", r"contact|telefoon|nummer|e-?mail"),
]
STOP_BUTTON = {"title": "Stoppen", "payload": "/stop"}
YES = re.compile(r"^\s*(ja|jazeker|klopt|dat klopt|ja,? versturen|versturen|verstuur|ok(e|é)?|prima|goed|yes)\b", re.I)
NO = re.compile(r"^\s*(nee|neen|klopt niet|niet goed|no)\b", re.I)


def where_prompt(channel: str | None) -> tuple[str, list[dict[str, str]]]:
    text = "Waar is het? Typ de straat en het huisnummer, of een postcode."
    if channel == "webchat":
        return f"{text} Of kies 'Deel mijn locatie'.", [{"title": "Deel mijn locatie", "payload": WIDGET_LOCATION}]
    if can_send(channel, "location"):
        return f"{text} U kunt ook uw locatie sturen.", []
    return text, []


def photo_prompt(channel: str | None) -> tuple[str, list[dict[str, str]]]:
    if channel == "webchat":
        return (
            "Heeft u een foto? Kies 'Foto toevoegen'. Geen foto? Kies 'Geen foto'.",
            [{"title": "Foto toevoegen", "payload": WIDGET_PHOTO}, NO_PHOTO],
        )
    return "Heeft u een foto? Stuur die nu mee. Geen foto? Kies 'Geen foto'.", [NO_PHOTO]


def summary(slots: dict[str, Any], channel: str | None) -> str:
    photo = slots.get("melding_photo")
    contact = slots.get("melding_contact")
    lines = [
        "Klopt dit?",
        f"- Wat: {slots.get('melding_what')}",
        f"- Waar: {slots.get('melding_where')}",
    ]
    if can_send(channel, "photo"):
        lines.append("- Foto: " + ("geen" if photo in (None, "geen") else "1 foto"))
    lines.append("- Contact: " + ("anoniem" if contact in (None, "anoniem") else str(contact)))
    return "\n".join(lines)


def confirm_prompt(slots: dict[str, Any], channel: str | None, said_no: bool) -> tuple[str, list[dict[str, str]]]:
    """The summary with "Ja, versturen" / "Nee, aanpassen"; after a "nee": what to change."""
    if said_no:
        buttons = [{"title": t, "payload": p} for t, p, slot, _ in CHANGES if slot != "melding_photo" or can_send(channel, "photo")]
        return "Wat wilt u aanpassen? U kunt ook meteen het goede adres typen.", [*buttons, STOP_BUTTON]
    return summary(slots, channel), [
        {"title": "Ja, versturen", "payload": "ja"},
        {"title": "Nee, aanpassen", "payload": "nee"},
    ]


def change_named(text: str, channel: str | None) -> str | None:
    """The slot a resident wants to change at the summary ("adres aanpassen")."""
    for _, _, slot, words in CHANGES:
        if re.search(rf"\b({words})", text, re.I) and (slot != "melding_photo" or can_send(channel, "photo")):
            return slot
    return None
