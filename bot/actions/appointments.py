"""Appointments in the conversation: book, move and cancel a desk appointment.

"Ik wil een afspraak maken voor een paspoort" starts ``appointment_form`` (through
``action_appointment_gate``: a question about how appointments work gets the article). The
form asks only what the bot does not know yet, in this order:

- book: the product (buttons of the bookable products), a slot (three or more free slots as
  buttons, "di 8 dec 10:30"), an e-mail address or mobile number (skipped when the contact has one),
  then whether the resident wants a reminder (``bot.actions.appointment_reminder``: kept as consent);
- move: the reference (or, for a contact with upcoming appointments, a list of them), the
  e-mail address or phone number given at booking (skipped for the contact who booked it),
  then a new slot;
- cancel: the reference and the proof, as for moving.

The slots, the seat lock, the calendar write and the records are ``hub.cases.appointments``
(the same code as the appointment API); this process holds its own CalDAV client.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import appointment_reminder as reminder
from bot.actions.answer import answer_article
from bot.actions.appointment_words import (
    ABOUT_APPOINTMENTS,
    ASKS_HOW,
    WANTS,
    chosen,
    decide_mode,
    product_in,
    reference_in,
)
from bot.actions.common import APPOINTMENT_STEPS, db, message_metadata, meta, top_intent
from bot.actions.understanding.gates import is_payload, redirect, text_of
from connectors.calendar import CalDAVBook, book_from_settings
from hub.cases import appointments
from hub.cases.appointments import AppointmentError, ContactDetails, Move, NewAppointment
from hub.core import identifiers
from hub.core.settings import get_settings
from hub.core.workdays import short_dutch_datetime

FORM = "appointment_form"
SLOTS = ("appt_mode", "appt_product", "appt_start", "appt_contact", "appt_reference", "appt_offer", reminder.SLOT)
OFFER_COUNT = 4  # at least three buttons, one more for choice
_book: dict[str, CalDAVBook] = {}


def calendar_book() -> CalDAVBook:
    """This process's CalDAV client, set up as the hub sets up its own (``hub/web/records.py``)."""
    if "book" not in _book:
        _book["book"] = book_from_settings(get_settings())
    return _book["book"]


def step_meta(dispatcher: CollectingDispatcher, tracker: Tracker, step: str, **fields: Any) -> None:
    """The web chat ``meta``: action ``appointment`` and where the dialogue stands (``hub.core.models.AppointmentMeta``)."""
    dispatcher.utter_message(json_message=meta(tracker, "appointment", appointment={"step": step, **fields}))


def mode_of(tracker: Tracker) -> str:
    return tracker.get_slot("appt_mode") or "book"


def contact_id(tracker: Tracker) -> str | None:
    return message_metadata(tracker).get("contact_id")


async def known_address(tracker: Tracker) -> str | None:
    """The contact's e-mail address or phone number, when the hub knows one."""
    cid = contact_id(tracker)
    doc = await db().contacts.find_one({"_id": cid}, {"addresses": 1}) if cid else None
    addresses = (doc or {}).get("addresses", [])
    for kind in ("email:", "phone:"):
        for address in addresses:
            if address.startswith(kind):
                return address.partition(":")[2]
    return None


def proof_of(value: str | None) -> ContactDetails:
    value = value or ""
    return ContactDetails(email=value) if "@" in value else ContactDetails(phone=value)


class ActionAppointmentGate(Action):
    """Starts the appointment form when the resident asks for one; a question gets the article."""

    def name(self) -> str:
        return "action_appointment_gate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = text_of(tracker)
        intent, _ = top_intent(tracker)
        if not is_payload(text) and ASKS_HOW.search(text) and not WANTS.search(text):
            events = await answer_article(dispatcher, tracker, "afspraak-maken") or []
            dispatcher.utter_message(text="Wilt u nu een afspraak maken, verzetten of afzeggen?", buttons=[
                {"title": "Afspraak maken", "payload": "/appointment_book"},
                {"title": "Afspraak verzetten", "payload": "/appointment_move"},
                {"title": "Afspraak afzeggen", "payload": "/appointment_cancel"},
            ])
            return [*events, SlotSet("appt_go", False)]
        if not is_payload(text) and not ABOUT_APPOINTMENTS.search(text):
            events = await redirect(dispatcher, tracker, domain, set(APPOINTMENT_STEPS))
            return [*events, SlotSet("appt_go", False)]
        mode = decide_mode(intent, "" if is_payload(text) else text)
        fresh = {name: None for name in SLOTS}
        fresh.update(appt_mode=mode, appt_reference=reference_in(text), appt_contact=identifiers.find_email(text))
        if mode == "book":
            fresh["appt_product"] = product_in(text)
            fresh["appt_contact"] = fresh["appt_contact"] or await known_address(tracker)
        return [*(SlotSet(k, v) for k, v in fresh.items()), SlotSet("appt_go", True)]


async def bookable() -> list[dict[str, Any]]:
    cursor = db().products.find({"appointment": {"$ne": None}}, {"_id": 0, "slug": 1, "name": 1})
    return sorted(await cursor.to_list(50), key=lambda p: p["name"])


async def offer(tracker: Tracker, product: str) -> list[dict[str, str]]:
    """The next free slots of ``product`` as ``{"label", "start"}``."""
    _, rules = await appointments.product_rules(db(), product)
    found = await appointments.free_slots(calendar_book(), rules, get_settings(), limit=OFFER_COUNT)
    return [{"label": short_dutch_datetime(s.start), "start": s.start.isoformat()} for s in found]


async def listed(tracker: Tracker) -> list[dict[str, Any]]:
    cid = contact_id(tracker)
    return await appointments.for_contact(db(), cid) if cid else []


class ActionAskApptProduct(Action):
    def name(self) -> str:
        return "action_ask_appt_product"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        products = await bookable()
        dispatcher.utter_message(text="Waarvoor wilt u een afspraak maken?",
                                 buttons=[{"title": p["name"], "payload": p["name"]} for p in products])
        step_meta(dispatcher, tracker, "product")
        return []


class ActionAskApptStart(Action):
    def name(self) -> str:
        return "action_ask_appt_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        product = tracker.get_slot("appt_product")
        try:
            slots = await offer(tracker, product)
        except AppointmentError as exc:
            dispatcher.utter_message(text=exc.message)
            step_meta(dispatcher, tracker, "unavailable")
            return [FollowupAction("action_stop_appointment")]
        if not slots:
            dispatcher.utter_message(text="Er zijn de komende weken geen vrije tijden meer. Bel ons op 14 0456, "
                                          "dan zoeken we samen een oplossing.")
            step_meta(dispatcher, tracker, "full")
            return [FollowupAction("action_stop_appointment")]
        question = "Kies een nieuwe tijd:" if mode_of(tracker) == "move" else "Deze tijden zijn nog vrij. Welke past u?"
        dispatcher.utter_message(text=question, buttons=[{"title": s["label"], "payload": s["label"]} for s in slots])
        step_meta(dispatcher, tracker, "offer", product=product, slots=slots)
        return [SlotSet("appt_offer", slots)]


class ActionAskApptContact(Action):
    def name(self) -> str:
        return "action_ask_appt_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if mode_of(tracker) == "book":
            text = "Op welk e-mailadres of mobiel nummer kunnen we u bereiken over deze afspraak?"
        else:
            text = "Wat is het e-mailadres of telefoonnummer dat u bij het maken van de afspraak gaf?"
        dispatcher.utter_message(text=text)
        step_meta(dispatcher, tracker, "contact")
        return []


class ActionAskApptReference(Action):
    def name(self) -> str:
        return "action_ask_appt_reference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        mine = await listed(tracker)
        if mine:
            dispatcher.utter_message(text="Om welke afspraak gaat het?", buttons=[
                {"title": f"{d['product_name']}, {short_dutch_datetime(d['start'])}", "payload": d["_id"]} for d in mine[:5]
            ])
        else:
            dispatcher.utter_message(text="Wat is het kenmerk van uw afspraak? Het begint met AFS, bijvoorbeeld AFS-7K3Q2M. "
                                          "U vindt het in de bevestiging.")
        step_meta(dispatcher, tracker, "reference")
        return []


class ValidateAppointmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_appointment_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return {
            "move": ["appt_reference", "appt_contact", "appt_start"],
            "cancel": ["appt_reference", "appt_contact"],
        }.get(mode_of(tracker), ["appt_product", "appt_start", "appt_contact", *([reminder.SLOT] if reminder.asked_on(tracker) else [])])

    def _asked(self, tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot and top_intent(tracker)[0] != "stop"

    async def extract_appt_product(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if not self._asked(tracker, "appt_product"):
            return {}
        text = text_of(tracker)
        for product in await bookable():
            if text.lower() == product["name"].lower():
                return {"appt_product": product["slug"]}
        found = product_in(text)
        if not found:
            dispatcher.utter_message(text="Die keuze ken ik niet. Kies een van de knoppen.")
        return {"appt_product": found}

    async def extract_appt_start(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if not self._asked(tracker, "appt_start"):
            return {}
        start = chosen(text_of(tracker), tracker.get_slot("appt_offer") or [])
        if not start:
            dispatcher.utter_message(text="Die tijd staat niet in de lijst. Kies een van de tijden hieronder.")
        return {"appt_start": start}

    async def extract_appt_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if not self._asked(tracker, "appt_contact"):
            return {}
        text = text_of(tracker)
        found = identifiers.find_email(text) or identifiers.find_phone(text)
        if not found:
            dispatcher.utter_message(text="Dat lijkt geen e-mailadres of telefoonnummer. Probeer het nog een keer, "
                                          "bijvoorbeeld naam@voorbeeld.nl of 06 12345678.")
        return {"appt_contact": found}

    async def extract_appt_remind(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return reminder.extract(dispatcher, text_of(tracker)) if self._asked(tracker, reminder.SLOT) else {}

    async def extract_appt_reference(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if not self._asked(tracker, "appt_reference"):
            return {}
        found = reference_in(text_of(tracker))
        if not found:
            dispatcher.utter_message(text="Een kenmerk ziet er zo uit: AFS- en dan zes tekens, bijvoorbeeld AFS-7K3Q2M.")
        return {"appt_reference": found}

    async def validate_appt_reference(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        """The contact who booked it needs no proof; anyone else gives the booking's e-mail address or phone."""
        if not value:
            return {"appt_reference": None}
        doc = await db().appointments.find_one({"_id": value})
        mine = doc is not None and doc.get("contact_id") and doc.get("contact_id") == contact_id(tracker)
        if not mine:
            given = tracker.get_slot("appt_contact")
            return await verified(dispatcher, value, given) if given else {"appt_reference": value}
        if doc["status"] not in appointments.ACTIVE:
            dispatcher.utter_message(text="Deze afspraak is al afgezegd.")
            return {"appt_reference": None}
        return {"appt_reference": value, "appt_product": doc["product"],
                "appt_contact": tracker.get_slot("appt_contact") or doc.get("email") or doc.get("phone")}

    async def validate_appt_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        reference = tracker.get_slot("appt_reference")
        if not value or mode_of(tracker) == "book" or not reference:
            return {"appt_contact": value}
        return await verified(dispatcher, reference, value)


async def verified(dispatcher: CollectingDispatcher, reference: str, contact: str) -> dict[str, Any]:
    """Reference and contact of one active appointment; both asked again when they do not belong together."""
    try:
        doc = await appointments.find(db(), reference, proof_of(contact))
    except AppointmentError as exc:
        dispatcher.utter_message(text=f"{exc.message} Kijk het kenmerk en het adres nog eens na.")
        return {"appt_contact": None, "appt_reference": None}
    return {"appt_reference": reference, "appt_contact": contact, "appt_product": doc["product"]}


class ActionSubmitAppointment(Action):
    def name(self) -> str:
        return "action_submit_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        mode, settings = mode_of(tracker), get_settings()
        contact, reference = tracker.get_slot("appt_contact"), tracker.get_slot("appt_reference")
        clear = [SlotSet(name, None) for name in SLOTS]
        try:
            if mode == "cancel":
                doc = await appointments.cancel(db(), calendar_book(), reference, proof_of(contact), "bot")
                dispatcher.utter_message(text=f"Uw afspraak van {appointments.slots.spoken(doc['start'])} is afgezegd "
                                              f"(kenmerk {doc['_id']}). Het tijdstip is weer vrij voor een ander.")
                step_meta(dispatcher, tracker, "cancelled", reference=doc["_id"])
                return clear
            if mode == "move":
                proof = proof_of(contact)
                doc = await appointments.move(db(), calendar_book(), reference,
                                              Move(start=tracker.get_slot("appt_start"), **proof.model_dump()),
                                              proof, "bot", settings)
            else:
                doc = await appointments.book(db(), calendar_book(), NewAppointment(
                    product=tracker.get_slot("appt_product"), start=tracker.get_slot("appt_start"),
                    conversation_id=message_metadata(tracker).get("conversation_id"), **proof_of(contact).model_dump(),
                    remind=reminder.wanted(tracker),
                ), "bot", settings)
                await reminder.record_answer(tracker, doc)
        except AppointmentError as exc:
            dispatcher.utter_message(text=exc.message)
            step_meta(dispatcher, tracker, "refused")
            if exc.code == "slot_taken":  # someone else was quicker: offer the slots again
                return [SlotSet("appt_start", None), SlotSet("appt_offer", None), FollowupAction(FORM)]
            return clear
        product, _ = await appointments.product_rules(db(), doc["product"])
        moved = "Uw afspraak is verzet. " if mode == "move" else ""
        dispatcher.utter_message(text=moved + appointments.confirmation(doc, product.bring) + reminder.promised(doc))
        step_meta(dispatcher, tracker, "moved" if mode == "move" else "booked", reference=doc["_id"],
                  start=doc["start"].isoformat(), place=doc["location"], product=doc["product"])
        return clear


class ActionStopAppointment(Action):
    """Ends the appointment dialogue without a booking (stop, no slots, calendar unreachable)."""

    def name(self) -> str:
        return "action_stop_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        from rasa_sdk.events import ActiveLoop

        if top_intent(tracker)[0] == "stop":
            dispatcher.utter_message(text="Goed, ik ben gestopt. Er is geen afspraak gemaakt of gewijzigd.")
            dispatcher.utter_message(json_message=meta(tracker, "fallback", stopped=FORM))
        return [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(name, None) for name in SLOTS)]
