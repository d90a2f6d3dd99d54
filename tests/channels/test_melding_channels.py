"""The melding form on SMS and WhatsApp: photo and location only where the channel can send them.

Real hub, Rasa server and action server; Twilio is the local fake Messages API.
"""

from __future__ import annotations

from tests.channels.signed import post_twilio, sms_params, whatsapp_params

START = "ik wil een melding maken van een kapotte lantaarnpaal"


async def _say(http, stack, fakes, to: str, params: dict, seen: int) -> str:  # noqa: ANN001
    """Send one message; the bot's next reply as Twilio got it (``seen`` replies came before)."""
    assert (await post_twilio(http, stack, params))[0] == 200
    sent = await fakes.twilio.wait_for(to, count=seen + 1)
    return sent[seen]["body"]


async def test_on_sms_the_form_asks_no_photo_and_promises_no_location(bot_stack, fakes, http, db, phone):
    where = await _say(http, bot_stack, fakes, phone, sms_params(phone, START), 0)
    assert where.startswith("Waar is het?") and "locatie" not in where.lower()
    contact = await _say(http, bot_stack, fakes, phone, sms_params(phone, "Kerkstraat 12"), 1)
    assert "bereiken" in contact and "foto" not in contact.lower()  # no photo question: SMS cannot send one
    summary = await _say(http, bot_stack, fakes, phone, sms_params(phone, "anoniem"), 2)
    assert summary.startswith("Klopt dit?") and "Kerkstraat 12" in summary and "foto" not in summary.lower()
    assert "1. Ja, versturen" in summary  # the choice as a numbered option
    done = await _say(http, bot_stack, fakes, phone, sms_params(phone, "1"), 3)
    assert "Z-" in done
    case = await db.cases.find_one({"channel": "sms", "location.address": "Kerkstraat 12", "description": START})
    assert case is not None and case["attachments"] == []


async def test_on_whatsapp_the_form_asks_for_a_photo_and_accepts_a_location(bot_stack, fakes, http, db, phone):
    to = f"whatsapp:{phone}"
    where = await _say(http, bot_stack, fakes, to, whatsapp_params(phone, START), 0)
    assert "locatie sturen" in where
    place = whatsapp_params(phone, "", MessageType="location", Latitude="52.0907", Longitude="5.1214", Label="Markt")
    photo = await _say(http, bot_stack, fakes, to, place, 1)
    assert "Heeft u een foto? Stuur die nu mee." in photo
    assert "Foto toevoegen" not in photo  # the web chat's button is no option here
