"""Appointments in the conversation: booked, moved and cancelled through the web chat API (the real
hub, Rasa, action server and Radicale), each step read back from the calendar with the caldav client."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import aiohttp
import caldav
import pytest
from caldav.lib import error as caldav_error

from bot.actions import appointment_reminder
from tests.appointments.test_booking import event_of
from tests.conftest import Stack
from tests.webchat_client import say

BUTTON = re.compile(r"^(ma|di|wo|do|vr) \d{1,2} (jan|feb|mrt|maa|apr|mei|jun|jul|aug|sep|okt|nov|dec) \d\d:\d\d$")
REFERENCE = re.compile(r"\bAFS-[2-9A-HJ-NP-Z]{6}\b")


def buttons(body: dict[str, Any]) -> list[dict[str, str]]:
    return [b for r in body["replies"] for b in r.get("buttons", [])]


def text(body: dict[str, Any]) -> str:
    return "\n".join(r.get("text") or "" for r in body["replies"])


def appt(body: dict[str, Any]) -> dict[str, Any]:
    """The appointment part of the reply's meta; the action must be ``appointment``."""
    assert body["meta"]["action"] == "appointment", body
    return body["meta"]["appointment"]


def reminder_consents(contact: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in contact.get("consents", []) if c["topic"] == "appointment_reminders"]


def offered(body: dict[str, Any]) -> list[dict[str, str]]:
    """The slot buttons of an offer, checked: at least three, short Dutch weekday, date and time."""
    assert appt(body)["step"] == "offer", body
    slots = buttons(body)
    assert len(slots) >= 3, body
    assert all(BUTTON.match(b["title"]) for b in slots), slots
    return slots


async def test_book_move_and_cancel_in_the_web_chat(
    bot_stack: Stack, http: aiohttp.ClientSession, db: Any, session_id: str, calendar_server: caldav.Principal
) -> None:
    # Book: the product is in the words, so the bot offers slots at once.
    offer = await say(http, bot_stack, session_id, "ik wil een afspraak maken voor een paspoort")
    slots = offered(offer)
    assert appt(offer)["product"] == "paspoort"
    choice = slots[1]
    start = datetime.fromisoformat(next(s["start"] for s in appt(offer)["slots"] if s["label"] == choice["title"]))
    ask = await say(http, bot_stack, session_id, choice["payload"])
    assert appt(ask)["step"] == "contact", ask  # a web chat has no address yet
    email = f"afspraak-{session_id[:8]}@example.nl"
    ask = await say(http, bot_stack, session_id, f"mijn mail is {email}")
    assert appt(ask)["step"] == "remind" and text(ask) == appointment_reminder.QUESTION, ask  # consent is asked
    assert [b["title"] for b in buttons(ask)] == ["Ja", "Nee"]
    done = await say(http, bot_stack, session_id, buttons(ask)[0]["payload"])
    meta = appt(done)
    assert meta["step"] == "booked", done
    reference = meta["reference"]
    assert REFERENCE.fullmatch(reference)
    confirmation = text(done)
    paspoort = await db.products.find_one({"slug": "paspoort"})
    assert reference in confirmation and paspoort["appointment"]["location"] in confirmation
    assert paspoort["bring"][1] in confirmation  # what to bring comes from the product catalogue
    assert datetime.fromisoformat(meta["start"]) == start
    record = await db.appointments.find_one({"_id": reference})
    assert record["email"] == email and record["conversation_id"] == done["conversation_id"]
    assert record["remind"] is True  # the reminder goes out (hub.cases.reminders) with the consent recorded below
    assert ("herinnering" in confirmation) == (record["remind_at"] is not None)
    contact = await db.contacts.find_one({"_id": record["contact_id"]})
    [given] = reminder_consents(contact)
    assert (given["given"], given["channel"], given["address"], given["answer"], given["by"]) == (
        True, "webchat", session_id, "Ja", "bot")
    assert given["wording"] == appointment_reminder.WORDING and given["conversation_id"] == done["conversation_id"]
    event = event_of(calendar_server, "burgerzaken", reference)
    assert event.decoded("dtstart") == start
    assert email not in event.to_ical().decode()  # no personal data in the calendar

    # Move by reference from another chat: the bot asks for the reference and the booking's e-mail address.
    other = f"{session_id}-move"
    ask = await say(http, bot_stack, other, "ik wil mijn afspraak verzetten")
    assert appt(ask)["step"] == "reference", ask
    ask = await say(http, bot_stack, other, reference.lower())
    assert appt(ask)["step"] == "contact", ask
    wrong = await say(http, bot_stack, other, "iemand-anders@example.nl")  # not the booking's address: no move
    assert appt(wrong)["step"] == "reference" and "vinden geen afspraak" in text(wrong), wrong
    await say(http, bot_stack, other, reference)
    offer = await say(http, bot_stack, other, email)
    slots = [b for b in offered(offer) if b["title"] != choice["title"]]
    new_start = datetime.fromisoformat(next(s["start"] for s in appt(offer)["slots"] if s["label"] == slots[-1]["title"]))
    moved = await say(http, bot_stack, other, slots[-1]["payload"])
    assert appt(moved)["step"] == "moved" and appt(moved)["reference"] == reference, moved
    assert "verzet" in text(moved) and reference in text(moved)
    event = event_of(calendar_server, "burgerzaken", reference)
    assert event.decoded("dtstart") == new_start and int(event["sequence"]) == 1
    assert (await db.appointments.find_one({"_id": reference}))["status"] == "moved"

    # Cancel from the first chat: its contact booked it, so the bot lists it and asks nothing more.
    ask = await say(http, bot_stack, session_id, "ik wil mijn afspraak annuleren")
    assert appt(ask)["step"] == "reference", ask
    listed = buttons(ask)
    assert [b["payload"] for b in listed] == [reference] and BUTTON.match(listed[0]["title"].split(", ")[1])
    gone = await say(http, bot_stack, session_id, listed[0]["payload"])
    assert appt(gone)["step"] == "cancelled", gone
    assert reference in text(gone)
    with pytest.raises(caldav_error.NotFoundError):
        calendar_server.calendar(cal_id="burgerzaken").event_by_uid(reference)
    assert (await db.appointments.find_one({"_id": reference}))["status"] == "cancelled"


async def test_a_question_about_appointments_gets_the_article(bot_stack: Stack, http: aiohttp.ClientSession, session_id: str) -> None:
    body = await say(http, bot_stack, session_id, "moet ik een afspraak maken of kan ik gewoon binnenlopen?")
    assert body["meta"]["action"] == "answer" and body["meta"]["article"] == "afspraak-maken", body


async def test_english_booking_and_stopping_halfway(bot_stack: Stack, http: aiohttp.ClientSession, db: Any, session_id: str) -> None:
    ask = await say(http, bot_stack, session_id, "I'd like to book an appointment")
    assert appt(ask)["step"] == "product", ask
    titles = [b["title"] for b in buttons(ask)]
    assert "Paspoort" in titles and "Identiteitskaart (ID-kaart)" in titles
    offer = await say(http, bot_stack, session_id, "Identiteitskaart (ID-kaart)")
    assert appt(offer)["product"] == "identiteitskaart"
    offered(offer)
    stop = await say(http, bot_stack, session_id, "stop")
    assert stop["meta"]["action"] == "fallback" and "gestopt" in text(stop), stop
    assert await db.appointments.count_documents({"conversation_id": stop["conversation_id"]}) == 0


async def test_a_contact_with_an_address_is_not_asked_for_one(
    bot_stack: Stack, http: aiohttp.ClientSession, db: Any, session_id: str
) -> None:
    hello = await say(http, bot_stack, session_id, "hallo")
    conv = await db.conversations.find_one({"_id": hello["conversation_id"]})
    email = f"bekend-{session_id[-6:]}@example.nl"
    # as when an agent adds the address to the contact
    await db.contacts.update_one({"_id": conv["contact_id"]}, {"$addToSet": {"addresses": f"email:{email}"}})
    offer = await say(http, bot_stack, session_id, "graag een afspraak om mijn rijbewijs te verlengen")
    slots = offered(offer)
    assert appt(offer)["product"] == "rijbewijs"
    ask = await say(http, bot_stack, session_id, slots[0]["payload"])
    assert appt(ask)["step"] == "remind", ask  # no question for an e-mail address or phone number
    again = await say(http, bot_stack, session_id, "misschien")  # neither yes nor no: asked again, nothing booked
    assert appt(again)["step"] == "remind" and text(again).endswith(appointment_reminder.QUESTION), again
    assert await db.appointments.count_documents({"conversation_id": again["conversation_id"]}) == 0
    done = await say(http, bot_stack, session_id, "nee hoor")
    assert appt(done)["step"] == "booked", done
    record = await db.appointments.find_one({"_id": appt(done)["reference"]})
    assert record["email"] == email and record["contact_id"] == conv["contact_id"]
    assert record["remind"] is False and record["remind_at"] is None and "herinnering" not in text(done)
    [refused] = reminder_consents(await db.contacts.find_one({"_id": conv["contact_id"]}))
    assert (refused["given"], refused["channel"], refused["answer"]) == (False, None, "nee hoor")


def test_the_reminder_answer_is_read_as_yes_or_no() -> None:
    said = {t: (appointment_reminder.choice(t) or {}).get("given") for t in
            ("Ja", "ja graag", "Jawel", "yes please", "Nee", "nee hoor", "liever niet", "no thanks", "misschien", "")}
    assert said == {"Ja": True, "ja graag": True, "Jawel": True, "yes please": True, "Nee": False, "nee hoor": False,
                    "liever niet": False, "no thanks": False, "misschien": None, "": None}
    assert appointment_reminder.choice("Ja")["answer"] == "Ja"  # what the resident chose is kept with the consent
