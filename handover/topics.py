"""Dutch labels for what the bot recognised, as agents see them in the console.

Agents never see the bot's internal intent names ("inform", "deny", "angry"). A topic intent
gets a short Dutch subject, an article slug its title, and conversational intents (yes, no,
hello, thanks, ...) are left out: they say nothing about the subject. An intent without a
label is left out too, so a new intent cannot leak its internal name into the console.
"""

from __future__ import annotations

from collections.abc import Iterable

TOPICS_NL = {
    "afspraak": "Afspraak maken", "afvalinzameling": "Afval", "bestemmingsplan": "Bestemmingsplan",
    "bijstandsuitkering": "Bijstand", "bijzondere": "Bijzondere bijstand", "boom": "Bomen",
    "callback": "Terugbellen", "drank": "Drank- en horecavergunning", "emigreren": "Emigreren",
    "erkenning": "Erkenning van een kind", "evenementenvergunning": "Evenementenvergunning",
    "geboorteaangifte": "Geboorteaangifte", "gehandicaptenparkeerkaart": "Gehandicaptenparkeerkaart",
    "gemeentelijke": "Gemeentelijke belastingen", "gevonden": "Gevonden voorwerpen", "grofvuil": "Grofvuil",
    "hondenbelasting": "Hondenbelasting", "huwelijk": "Trouwen", "identiteitskaart": "Identiteitskaart",
    "inzage": "Inzage in gegevens", "ask_data_access": "Inzage in gegevens", "jeugdhulp": "Jeugdhulp",
    "klacht": "Klacht", "kwijtschelding": "Kwijtschelding", "leerlingenvervoer": "Leerlingenvervoer",
    "legalisatie": "Legalisatie", "mantelzorg": "Mantelzorg", "melding": "Melding openbare ruimte",
    "naamgebruik": "Naamgebruik", "omgevingsvergunning": "Omgevingsvergunning",
    "ongediertebestrijding": "Ongedierte", "openingstijden": "Openingstijden",
    "overlijdensaangifte": "Overlijden", "parkeervergunning": "Parkeervergunning", "paspoort": "Paspoort",
    "reisdocument": "Reisdocument", "rijbewijs": "Rijbewijs", "rioolaansluiting": "Rioolaansluiting",
    "schuldhulpverlening": "Schuldhulp", "standplaatsvergunning": "Standplaatsvergunning",
    "status": "Stand van een aanvraag", "stookontheffing": "Stookontheffing",
    "terrasvergunning": "Terrasvergunning", "uittreksel": "Uittreksel", "verhuizing": "Verhuizen",
    "verkiezingen": "Verkiezingen", "verklaring": "Verklaring omtrent gedrag", "vestigen": "Vestigen",
    "wmo": "Wmo-ondersteuning", "follow_up": "Vervolgvraag",
}
MOOD_NL = {"angry": "Boos of ontevreden"}  # says something about the resident, not the subject


def topic_label(topic: str | None, titles: dict[str, str] | None = None) -> str | None:
    """The subject in Dutch: an intent's label, an article's title; None when there is no label."""
    if not topic:
        return None
    return TOPICS_NL.get(topic) or (titles or {}).get(topic)


def intent_labels(intents: Iterable[str]) -> list[str]:
    """The recognised subjects and mood in Dutch, each once, in order; the rest left out."""
    labels = [TOPICS_NL.get(i) or MOOD_NL.get(i) for i in intents]
    return list(dict.fromkeys(label for label in labels if label))
