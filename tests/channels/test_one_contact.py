"""One contact across channels: a conversation that starts on WhatsApp and goes on by e-mail.

Decision: the hub links channels only through identity keys a contact owns. WhatsApp and
SMS share ``phone:+31…`` by themselves; an e-mail address joins the phone's contact when
an agent (or a known contact record) puts ``email:…`` on that contact. It is never taken
from what someone merely types, because anyone can type any address.
"""

from __future__ import annotations

from hub.contacts import store as contacts
from tests.channels.signed import post_twilio, send_mail, whatsapp_params
from tests.channels.test_email import mail
from tests.polling import eventually


async def test_whatsapp_then_email_is_one_contact_history(bot_stack, fakes, http, db, phone, resident_email):
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "hallo")))[0] == 200
    first = await eventually(lambda: db.messages.find_one({"address": phone, "direction": "in"}))
    await fakes.twilio.wait_for(f"whatsapp:{phone}")

    # The resident gives their e-mail address; the agent adds it to the contact (hub.contacts.store).
    linked = await contacts.link(db, [f"phone:{phone}", f"email:{resident_email}"])
    assert linked == first["contact_id"]

    await send_mail(bot_stack, mail(resident_email, "Ik stuur de foto's liever per mail."))
    by_mail = await eventually(lambda: db.messages.find_one({"address": resident_email, "direction": "in"}))
    assert by_mail["contact_id"] == first["contact_id"]
    await fakes.smtp.wait_for(resident_email)

    history = await contacts.history(db, first["contact_id"])
    inbound = [(m["channel"], m["text"]) for m in history if m["direction"] == "in"]
    assert inbound == [("whatsapp", "hallo"), ("email", "Ik stuur de foto's liever per mail.")]
    assert {m["channel"] for m in history if m["direction"] == "out"} == {"whatsapp", "email"}


async def test_a_known_contact_with_both_addresses_is_found_from_either_channel(bot_stack, fakes, http, db, phone, resident_email):
    known = await contacts.link(db, [f"phone:{phone}", f"email:{resident_email}"])
    await send_mail(bot_stack, mail(resident_email, "hallo"))
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, "goedemiddag")))[0] == 200
    by_mail = await eventually(lambda: db.messages.find_one({"address": resident_email, "direction": "in"}))
    by_app = await eventually(lambda: db.messages.find_one({"address": phone, "direction": "in"}))
    assert by_mail["contact_id"] == by_app["contact_id"] == known


async def test_an_address_typed_in_a_chat_does_not_link_contacts(bot_stack, fakes, http, db, phone, resident_email):
    assert (await post_twilio(http, bot_stack, whatsapp_params(phone, f"mijn mail is {resident_email}")))[0] == 200
    await send_mail(bot_stack, mail(resident_email, "hallo"))
    by_app = await eventually(lambda: db.messages.find_one({"address": phone, "direction": "in"}))
    by_mail = await eventually(lambda: db.messages.find_one({"address": resident_email, "direction": "in"}))
    assert by_mail["contact_id"] != by_app["contact_id"]
