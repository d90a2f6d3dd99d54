"""Forms: melding openbare ruimte, terugbelverzoek and the status of a case.

Every slot is extracted here (custom mappings), so a resident can answer in their own
words, share a location or a photo on channels that allow it, and correct an earlier
answer at any step by simply giving the new value ("nee, het is Molenweg 3").
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import channel_policy, melding_prompts, notify
from bot.actions.answer import ActionClarify, answer_article
from bot.actions.common import db, message_metadata, meta, top_intent
from bot.actions.referral import refer
from bot.actions.understanding import status_gate
from bot.components import status_cues
from channels.capabilities import can_send
from hub.core import identifiers

STREET_NUMBER_RE = re.compile(r"\b([A-Za-zÀ-ÿ][\w'.\- ]{2,40}?)\s+(\d{1,5}\s?[a-zA-Z]?)\b")
# A place in words without a house number: a street name, or where it is ("bij de school").
STREET_WORD_RE = re.compile(
    r"\b[\wÀ-ÿ'-]*(straat|weg|laan|plein|pad|singel|gracht|kade|dijk|hof|park|dreef|steeg|markt|baan|wal|plantsoen|"
    r"allee|boulevard|erf|veld|brug)\b",
    re.IGNORECASE,
)
PLACE_WORDS_RE = re.compile(r"^\s*(bij|tegenover|naast|voor|achter|op|aan|in|hoek|kruising|ter hoogte van)\b", re.IGNORECASE)
POINT_RE = re.compile(r"^locatie (-?\d+\.\d+), (-?\d+\.\d+)$")
NONE_WORDS = re.compile(r"\b(geen|nee|niet|anoniem|liever niet|no|none|skip|overslaan)\b", re.IGNORECASE)
DAY_PARTS = {"ochtend": "ochtend", "morgen": "ochtend", "middag": "middag", "avond": "middag", "maakt niet uit": "geen_voorkeur", "geen voorkeur": "geen_voorkeur", "morning": "ochtend", "afternoon": "middag"}

PROMPTS: dict[str, tuple[str, str, list[dict[str, str]]]] = {
    # slot: (meta action, Dutch question at B1 level, buttons)
    "melding_what": ("melding", "Wat wilt u melden? Beschrijf kort wat er aan de hand is.", []),
    # melding_where, melding_photo and melding_confirm depend on the channel: bot/actions/melding_prompts.py
    "melding_where": ("melding", "", []),
    "melding_photo": ("melding", "", []),
    "melding_confirm": ("melding", "", []),
    "melding_contact": ("melding", "Hoe kunnen we u bereiken als we een vraag hebben? Geef een telefoonnummer of e-mailadres. Liever niet? Kies 'Anoniem melden'.", [{"title": "Anoniem melden", "payload": "anoniem"}]),
    "callback_phone": ("callback", "Op welk telefoonnummer kunnen we u terugbellen?", []),
    "callback_subject": ("callback", "Waar gaat uw vraag over? Dan belt de juiste collega u.", []),
    "callback_day_part": ("callback", "Wanneer komt het u het best uit?", [{"title": "Ochtend", "payload": "ochtend"}, {"title": "Middag", "payload": "middag"}, {"title": "Maakt niet uit", "payload": "geen voorkeur"}]),
    "case_number": ("status", "Wat is het nummer van uw zaak of melding? Het begint met Z, bijvoorbeeld Z-2026-000123.", []),
}


def _text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def _entity(tracker: Tracker, name: str) -> str | None:
    values = [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == name]
    return str(values[-1]) if values else None


def _requested(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _stopping(tracker: Tracker) -> bool:
    return top_intent(tracker)[0] == "stop"


def find_where(tracker: Tracker) -> str | None:
    """A place from a shared location, a postcode, or a street with a house number."""
    location = message_metadata(tracker).get("location")
    if location:
        return f"locatie {location['latitude']:.5f}, {location['longitude']:.5f}"
    text = _text(tracker)
    street, number, postcode = _entity(tracker, "street"), _entity(tracker, "house_number"), _entity(tracker, "postcode")
    postcode = (identifiers.normalize_postcode(postcode) or postcode) if postcode else identifiers.find_postcode(text)
    if street and number:
        return f"{street} {number}" + (f", {postcode}" if postcode else "")
    if postcode:
        return postcode + (f" {number}" if number else "")
    if not _requested(tracker, "melding_where") or _stopping(tracker):
        return None
    if m := STREET_NUMBER_RE.search(text):
        return f"{m.group(1).strip()} {m.group(2)}"
    if text and len(text) <= 200 and (STREET_WORD_RE.search(text) or PLACE_WORDS_RE.search(text)):
        return text  # "op de hoek van de Kerkstraat en de Molenweg": a person reads it
    return None


def find_phone(tracker: Tracker) -> str | None:
    """The phone number the resident gave, in E.164; an entity that is no valid number as typed (validation asks again)."""
    value = _entity(tracker, "phone_number")
    if value:
        return identifiers.normalize_phone(value) or value.strip()
    return identifiers.find_phone(_text(tracker))


def find_email(tracker: Tracker) -> str | None:
    value = _entity(tracker, "email")
    return (identifiers.normalize_email(value) or value) if value else identifiers.find_email(_text(tracker))


def find_case_number(tracker: Tracker) -> str | None:
    for candidate in (_entity(tracker, "case_number"), _text(tracker)):
        if candidate and (m := status_cues.CASE_NUMBER.search(candidate)):
            return f"Z-{m.group(1)}-{m.group(2)}"
    return None


class AskForSlot(Action):
    """``action_ask_<slot>``: asks the question, with buttons, and the reply metadata."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        action, text, buttons = PROMPTS[self.slot]
        platform = channel_policy.public_social(tracker)
        if platform and self.slot in channel_policy.PRIVATE_SLOTS:  # never asked on a public social channel
            dispatcher.utter_message(text=channel_policy.move_text(platform))
            dispatcher.utter_message(json_message=meta(tracker, action, slot=self.slot, private_channel=channel_policy.private_url()))
            return []
        channel = message_metadata(tracker).get("channel")
        if self.slot == "melding_where":
            text, buttons = melding_prompts.where_prompt(channel)
        elif self.slot == "melding_photo":
            text, buttons = melding_prompts.photo_prompt(channel)
        elif self.slot == "melding_confirm":
            said_no = _requested(tracker, "melding_confirm") and saying_no(tracker)
            text, buttons = melding_prompts.confirm_prompt(tracker.slots, channel, said_no)
        dispatcher.utter_message(text=text, buttons=buttons)
        dispatcher.utter_message(json_message=meta(tracker, action, slot=self.slot))
        return []


# One small class per slot, because Rasa looks actions up by name.
ASK_ACTIONS = {slot: type(f"AskFor_{slot}", (AskForSlot,), {"slot": slot}) for slot in PROMPTS}
globals().update({cls.__name__: cls for cls in ASK_ACTIONS.values()})


def saying_no(tracker: Tracker) -> bool:
    return top_intent(tracker)[0] == "deny" or bool(melding_prompts.NO.search(_text(tracker)))


class ValidateMeldingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_melding_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[str]:
        """No photo question on a channel that cannot send one (SMS)."""
        channel = message_metadata(tracker).get("channel")
        return [s for s in domain_slots if s != "melding_photo" or can_send(channel, "photo")]

    async def extract_melding_confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """ "ja" sends the report; naming a part ("adres aanpassen") asks that part again."""
        if not _requested(tracker, "melding_confirm") or _stopping(tracker) or find_where(tracker):
            return {}
        text = _text(tracker)
        change = melding_prompts.change_named(text, message_metadata(tracker).get("channel"))
        if change:
            return {change: None}
        if saying_no(tracker):
            return {"melding_confirm": None}  # answered: the question becomes "Wat wilt u aanpassen?"
        if top_intent(tracker)[0] == "affirm" or melding_prompts.YES.search(text):
            return {"melding_confirm": "ja"}
        return {}

    async def extract_melding_what(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if _stopping(tracker):
            return {}
        text = _text(tracker)
        # The first turn's text is set by action_melding_gate (only when it names the problem).
        if text and _requested(tracker, "melding_what"):
            return {"melding_what": text[:1000]}
        return {}

    async def extract_melding_where(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if _stopping(tracker):
            return {}
        where = find_where(tracker)  # also outside its own turn: this is how corrections work
        return {"melding_where": where} if where else {}

    async def extract_melding_photo(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        attachments = message_metadata(tracker).get("attachments") or []
        images = [a.get("url") or f"stored:{a.get('stored_id')}" for a in attachments if (a.get("content_type") or "").startswith("image/")]
        if images:
            return {"melding_photo": images[0]}
        if _requested(tracker, "melding_photo") and not _stopping(tracker):
            if top_intent(tracker)[0] == "deny" or NONE_WORDS.search(_text(tracker)):
                return {"melding_photo": "geen"}
        return {}

    async def extract_melding_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if not _requested(tracker, "melding_contact") or _stopping(tracker):
            return {}
        email = find_email(tracker)
        phone = find_phone(tracker)
        if email or phone:
            return {"melding_contact": email or phone}
        if top_intent(tracker)[0] == "deny" or NONE_WORDS.search(_text(tracker)):
            return {"melding_contact": "anoniem"}
        return {}

    async def validate_melding_where(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"melding_where": value}

    async def validate_melding_what(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if len(str(value).strip()) < 3:
            dispatcher.utter_message(text="Kunt u iets meer vertellen over wat er aan de hand is?")
            return {"melding_what": None}
        return {"melding_what": value}


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    async def extract_callback_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        phone = None if _stopping(tracker) else find_phone(tracker)
        return {"callback_phone": phone} if phone else {}

    async def extract_callback_subject(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if _requested(tracker, "callback_subject") and not _stopping(tracker) and _text(tracker):
            return {"callback_subject": _text(tracker)[:500]}
        return {}

    async def extract_callback_day_part(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if _stopping(tracker):
            return {}
        raw = (_entity(tracker, "day_part") or (_text(tracker) if _requested(tracker, "callback_day_part") else "")).lower()
        for word, part in DAY_PARTS.items():
            if word in raw:
                return {"callback_day_part": part}
        return {}

    async def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        phone = identifiers.normalize_phone(str(value))
        if phone is None:
            dispatcher.utter_message(text="Dat telefoonnummer lijkt niet te kloppen. Kunt u het nog een keer geven?")
            return {"callback_phone": None}
        return {"callback_phone": phone}


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[str]:
        if tracker.get_slot("case_number"):
            return domain_slots
        if status_gate.activating(tracker) and status_gate.leave_status(tracker):
            return []  # not a status question: the form ends at once and action_case_status answers the topic
        contact_id = message_metadata(tracker).get("contact_id")
        if contact_id and await open_cases(contact_id):
            return []  # a known contact: action_case_status lists their open cases
        return domain_slots

    async def extract_case_number(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        number = None if _stopping(tracker) else find_case_number(tracker)
        return {"case_number": number} if number else {}


async def open_cases(contact_id: str) -> list[dict[str, Any]]:
    from hub.cases import store as cases

    return await cases.open_cases_for_contact(db(), contact_id)


def _conversation(tracker: Tracker) -> dict[str, Any]:
    md = message_metadata(tracker)
    return {"conversation_id": md.get("conversation_id"), "contact_id": md.get("contact_id"), "channel": md.get("channel")}


CLEAR_MELDING = [SlotSet(s, None) for s in ("melding_what", "melding_where", "melding_photo", "melding_contact", "melding_confirm")]

CLEAR_CALLBACK = [SlotSet(s, None) for s in ("callback_phone", "callback_subject", "callback_day_part")]


def photo_attachment(photo: str) -> dict[str, str]:
    """The case's attachment: a file the hub stored (web chat, e-mail) or a provider's media URL."""
    return {"stored_id": photo[len("stored:"):]} if photo.startswith("stored:") else {"url": photo}


class ActionSubmitMelding(Action):
    def name(self) -> str:
        return "action_submit_melding"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        from hub.cases import store as cases

        if await refer(dispatcher, tracker, tracker.get_slot("melding_what") or "", melding=True):
            return CLEAR_MELDING  # a partner's asset (a dike, a provincial road): their form, not a municipal case
        photo = tracker.get_slot("melding_photo")
        contact = tracker.get_slot("melding_contact")
        point = POINT_RE.match(tracker.get_slot("melding_where") or "")
        location = {"latitude": float(point.group(1)), "longitude": float(point.group(2))} if point else None
        case = await cases.create_case(
            db(),
            kind="melding-openbare-ruimte",
            description=tracker.get_slot("melding_what"),
            location={"address": tracker.get_slot("melding_where"), **({"point": location} if location else {})},
            created_by="bot",
            attachments=[] if photo in (None, "geen") else [photo_attachment(photo)],
            reporter_contact=None if contact in (None, "anoniem") else contact,
            **_conversation(tracker),
        )
        dispatcher.utter_message(
            text=(
                f"Bedankt voor uw melding. Het nummer is {case['number']}. "
                "Bewaar dit nummer. Met dit nummer kunt u later vragen hoe het ermee staat."
            )
        )
        dispatcher.utter_message(**await notify.question(tracker, "melding"))
        dispatcher.utter_message(json_message=meta(tracker, "melding", case_number=case["number"]))
        return CLEAR_MELDING


class ActionSubmitCallback(Action):
    def name(self) -> str:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        from hub.cases import callbacks

        callback = await callbacks.create_callback(
            db(),
            phone=tracker.get_slot("callback_phone"),
            subject=tracker.get_slot("callback_subject"),
            day_part=tracker.get_slot("callback_day_part"),
            created_by="bot",
            **{k: v for k, v in _conversation(tracker).items() if k != "channel"},
        )
        due = callback["due_at"]
        day = f"{WEEKDAYS[due.weekday()]} {due.day} {MONTHS[due.month - 1]}"
        dispatcher.utter_message(
            text=(
                f"Uw terugbelverzoek staat genoteerd. Een medewerker belt u uiterlijk {day} "
                f"terug op {identifiers.display_phone(tracker.get_slot('callback_phone'))}."
            )
        )
        dispatcher.utter_message(**await notify.question(tracker, "terugbelverzoek"))
        dispatcher.utter_message(json_message=meta(tracker, "callback"))
        return CLEAR_CALLBACK


WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]


class ActionCaseStatus(Action):
    def name(self) -> str:
        return "action_case_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        from hub.cases import store as cases

        number = tracker.get_slot("case_number")
        if not number and status_gate.leave_status(tracker):  # a topic question with a date or "wanneer"
            slug = await status_gate.topic_instead(tracker)
            events = await answer_article(dispatcher, tracker, slug) if slug else None
            if events is None:
                events = await ActionClarify().run(dispatcher, tracker, domain)
            return [*events, SlotSet("case_number", None)]
        platform = channel_policy.public_social(tracker)
        if platform:  # case details stay off public social channels
            dispatcher.utter_message(text=channel_policy.move_text(platform))
            dispatcher.utter_message(json_message=meta(tracker, "status", private_channel=channel_policy.private_url()))
            return [SlotSet("case_number", None)]
        if number:
            case = await cases.find_by_number(db(), number)
            if case is None:
                text = f"Ik kan geen zaak vinden met nummer {number}. Klopt het nummer?"
            else:
                text = f"Uw zaak {case['number']} ({case.get('title') or case.get('kind')}): {cases.status_text(case)}."
        else:
            found = await open_cases(message_metadata(tracker).get("contact_id") or "")
            lines = [f"- {c['number']}: {cases.status_text(c)}" for c in found[:5]]
            text = "Dit zijn uw open zaken:\n" + "\n".join(lines)
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(json_message=meta(tracker, "status", case_number=number))
        return [SlotSet("case_number", None)]


class ActionStopForm(Action):
    def name(self) -> str:
        return "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Goed, ik ben gestopt. Er is niets opgeslagen. Kan ik u ergens anders mee helpen?")
        dispatcher.utter_message(json_message=meta(tracker, "fallback", stopped=tracker.active_loop_name))
        from rasa_sdk.events import ActiveLoop

        return [ActiveLoop(None), SlotSet("requested_slot", None), *CLEAR_MELDING, *CLEAR_CALLBACK, SlotSet("case_number", None)]
