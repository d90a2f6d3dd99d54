"""Office hours and public holidays, and what a resident is offered when we are closed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handover.after_hours import contact_detail
from handover.office_hours import DAYS, OfficeHours, describe_opening
from handover.queue import estimate_for
from hub.core import workdays
from hub.core.models import InboundMessage, State, utcnow
from hub.core.settings import Settings
from tests.polling import eventually

TZ = workdays.TZ


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def hours(**overrides) -> OfficeHours:
    return OfficeHours.from_settings(Settings(**overrides))


def test_weekday_hours_weekends_and_public_holidays():
    h = hours()  # the defaults: Monday to Friday 8.30 - 17.00
    assert h.is_open(local(2026, 11, 23, 10, 0))  # a Monday
    assert not h.is_open(local(2026, 11, 23, 8, 29))
    assert not h.is_open(local(2026, 11, 23, 17, 0))
    assert not h.is_open(local(2026, 11, 28, 11, 0))  # Saturday
    assert not h.is_open(local(2026, 4, 27, 11, 0))  # King's Day, a Monday
    assert not h.is_open(local(2026, 5, 5, 11, 0))  # Liberation Day: closed every year (hub.core.workdays)
    assert not h.is_open(local(2026, 12, 25, 11, 0))  # Christmas
    assert h.is_open(local(2026, 4, 3, 11, 0))  # Good Friday: town halls are open (KCC_GOOD_FRIDAY_OFF)
    assert hours(handover_open_on_holidays=True).is_open(local(2026, 4, 27, 11, 0))
    assert not hours(handover_closed_days=[date(2026, 11, 23)]).is_open(local(2026, 11, 23, 10, 0))


def test_next_opening_skips_evenings_weekends_and_christmas():
    h = hours()
    assert h.next_opening(local(2026, 11, 23, 18, 0)) == local(2026, 11, 24, 8, 30)
    assert h.next_opening(local(2026, 11, 27, 17, 30)) == local(2026, 11, 30, 8, 30)  # Friday evening -> Monday
    christmas_eve = local(2026, 12, 24, 17, 30)
    assert h.next_opening(christmas_eve) == local(2026, 12, 28, 8, 30)  # 25th, 26th, 27th closed
    assert describe_opening(local(2026, 11, 24, 8, 30), local(2026, 11, 23, 18, 0)) == "morgen om 8.30 uur"
    assert describe_opening(local(2026, 12, 28, 8, 30), christmas_eve) == "maandag 28 december om 8.30 uur"
    assert describe_opening(local(2026, 11, 23, 8, 30), local(2026, 11, 23, 7, 0)) == "vandaag om 8.30 uur"
    saturday = hours(handover_office_hours={"sat": "10:00-12:00"})
    assert saturday.next_opening(local(2026, 11, 23, 9, 0)) == local(2026, 11, 28, 10, 0)


def test_a_phone_number_or_e_mail_address_is_recognised():
    assert contact_detail("bel me maar op 06-12345678 graag") == ("phone", "+31612345678")
    assert contact_detail("+31 20 123 4567") == ("phone", "+31201234567")
    assert contact_detail("mail naar Jan.Jansen@Example.nl aub") == ("email", "jan.jansen@example.nl")
    assert contact_detail("mijn huisnummer is 12") is None
    assert contact_detail("123456782") is None  # nine digits (a BSN shape) is not a phone number


def _closed_until_tomorrow() -> dict[str, str]:
    tomorrow = (utcnow().astimezone(TZ) + timedelta(days=1)).weekday()
    return {DAYS[tomorrow]: "08:30-17:00"}


async def test_the_bot_tells_the_closed_times_instead_of_a_wait(inproc):
    d = await inproc(handover_office_hours=_closed_until_tomorrow())
    estimate = await estimate_for(d.db, {"intents": ["handover"]}, "asked_for_person", settings=d.settings)
    assert not estimate.open and estimate.minutes is None
    sentence = estimate.sentence()
    assert "gesloten" in sentence and "morgen om 8.30 uur" in sentence and "telefoonnummer" in sentence
    assert "wachttijd" not in sentence
    for angry in (False, True):  # the bot's handover words never promise a person when nobody can come
        text = estimate.handover_text(angry=angry)
        assert "zet u door" not in text and "leest dit gesprek mee" not in text and "wachttijd" not in text
        assert "gesloten" in text and "terugbellen of mailen" in text


async def test_in_office_hours_the_handover_text_gives_position_and_wait(inproc):
    d = await inproc()  # the test hub is always open
    estimate = await estimate_for(d.db, {"intents": ["handover"]}, "asked_for_person", settings=d.settings)
    text = estimate.handover_text()
    assert estimate.open and "Ik zet u door" in text
    assert "in de wachtrij" in text and "De verwachte wachttijd is ongeveer" in text
    assert "gesloten" not in text and "terugbellen" not in text


async def test_after_hours_the_resident_leaves_a_number_and_gets_a_callback(inproc):
    d = await inproc(handover_office_hours=_closed_until_tomorrow())
    conv_id = await d.handed_over(reason="no_bot", question="Mijn container is niet geleegd")
    conv = await d.conv(conv_id)
    assert conv["after_hours"] is True and conv["state"] == State.QUEUED.value
    offer = (await eventually(lambda: _system_texts(d, conv_id), 5))[0]
    assert "gesloten" in offer and "morgen om 8.30 uur" in offer and "wachttijd" not in offer
    answer = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="Bel me op 06 12345678"))
    assert "Wij bellen u terug op +31612345678" in answer.replies[0].text
    callback = await d.db.callbacks.find_one({"conversation_id": conv_id})
    assert callback["phone"] == "+31612345678" and callback["subject"] == "Mijn container is niet geleegd"
    assert callback["created_by"] == "system:handover"
    conv = await d.conv(conv_id)
    assert conv["state"] == State.CLOSED.value and conv["outcome"] == "callback_created"
    assert conv["callback_request"]["callback_id"] == callback["_id"]


async def test_after_hours_an_e_mail_address_keeps_the_question_for_the_first_agent(inproc):
    d = await inproc(handover_office_hours=_closed_until_tomorrow())
    conv_id = await d.handed_over(reason="no_bot")
    conv = await d.conv(conv_id)
    await eventually(lambda: _system_texts(d, conv_id), 5)
    answer = await d.pipeline.receive(InboundMessage(channel="webchat", address=conv["address"], text="jan@example.nl"))
    assert "Wij mailen u op jan@example.nl" in answer.replies[0].text
    conv = await d.conv(conv_id)
    assert conv["state"] == State.QUEUED.value and conv["callback_request"]["kind"] == "email"
    await d.agent("vroege-vogel")  # whoever is there first picks it up
    assert await d.assigned_to(conv_id) == "vroege-vogel"


async def _system_texts(d, conv_id):
    return [m["text"] for m in await d.messages(conv_id, author="system")]
