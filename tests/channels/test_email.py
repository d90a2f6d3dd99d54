"""E-mail: real SMTP on loopback both ways (the hub's aiosmtpd listener in, an aiosmtpd relay out), and IMAP."""

from __future__ import annotations

import asyncio
import imaplib
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest

from tests.channels import stack_env as env
from tests.channels.signed import send_mail
from tests.polling import eventually

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def mail(sender: str, body: str, subject: str = "Vraag over mijn paspoort", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Jan Jansen <{sender}>"
    message["To"] = env.HUB_EMAIL
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.nl")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


async def _inbound(db, address: str) -> list[dict]:
    return await db.messages.find({"channel": "email", "address": address, "direction": "in"}).sort("created_at", 1).to_list(None)


async def _reply(db, address: str, count: int = 1) -> list[dict]:
    async def check():
        found = await db.messages.find(
            {"channel": "email", "address": address, "direction": "out", "delivery.status": {"$in": ["sent", "failed"]}}
        ).sort("seq", 1).to_list(None)
        return found if len(found) >= count else None

    return await eventually(check)


async def test_mail_gets_a_threaded_reply_and_the_answer_continues_the_conversation(bot_stack, fakes, db, resident_email):
    first = mail(resident_email, "hallo\n\nMet vriendelijke groet,\nJan Jansen\nDorpsstraat 1")
    await send_mail(bot_stack, first)

    [relayed] = await fakes.smtp.wait_for(resident_email)
    reply = relayed["message"]
    assert relayed["mail_from"] == env.HUB_EMAIL
    assert reply["Subject"] == "Re: Vraag over mijn paspoort"
    assert reply["In-Reply-To"] == first["Message-ID"] and reply["References"] == first["Message-ID"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply.get_content_type() == "multipart/alternative"
    plain = reply.get_body(("plain",)).get_content()
    html = reply.get_body(("html",)).get_content()
    assert "Lindewaard" in plain and "Lindewaard" in html and "<p>" in html

    [stored] = await _inbound(db, resident_email)
    assert stored["text"] == "hallo"  # the signature is cut off for the bot
    assert stored["metadata"]["email"]["full_text"].startswith("hallo\n\nMet vriendelijke groet")
    assert f"email:{resident_email}" in (await db.contacts.find_one({"_id": stored["contact_id"]}))["addresses"]
    [out] = await _reply(db, resident_email)
    assert out["delivery"]["status"] == "sent" and out["provider_message_id"] == reply["Message-ID"]

    # The resident answers in their mail program: quoted text below their words.
    answer = mail(
        resident_email,
        "goedemorgen\n\nOp di 3 jun 2025 om 10:00 schreef Gemeente Lindewaard <kcc@lindewaard.nl>:\n> " + plain.replace("\n", "\n> "),
        subject="Re: Vraag over mijn paspoort",
        In_Reply_To=reply["Message-ID"],
        References=f"{first['Message-ID']} {reply['Message-ID']}",
    )
    await send_mail(bot_stack, answer)
    messages = await eventually(lambda: _count_at_least(db, resident_email, 2))
    assert messages[1]["text"] == "goedemorgen"
    assert messages[1]["conversation_id"] == messages[0]["conversation_id"]
    conv = await db.conversations.find_one({"_id": messages[0]["conversation_id"]})
    assert conv["thread_key"] == first["Message-ID"]
    second = (await fakes.smtp.wait_for(resident_email, 2))[1]["message"]
    assert second["In-Reply-To"] == answer["Message-ID"]
    assert second["References"].split() == [first["Message-ID"], reply["Message-ID"], answer["Message-ID"]]


async def _count_at_least(db, address: str, count: int) -> list[dict] | None:
    found = await _inbound(db, address)
    return found if len(found) >= count else None


async def test_redelivered_mail_is_stored_once(bot_stack, fakes, db, resident_email):
    message = mail(resident_email, "hallo")
    for _ in range(3):  # a mail server that did not hear our 250 sends it again
        await send_mail(bot_stack, message)
    assert len(await _inbound(db, resident_email)) == 1
    await fakes.smtp.wait_for(resident_email)
    assert await db.messages.count_documents({"address": resident_email, "direction": "out"}) == 1


async def test_unreadable_mail_is_refused_and_good_mail_still_arrives(bot_stack, fakes, db, resident_email):
    no_sender = mail(resident_email, "hallo")
    del no_sender["From"]
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await send_mail(bot_stack, no_sender, recipients=[env.HUB_EMAIL], sender=resident_email)
    assert refused.value.code == 550
    empty = mail(resident_email, "\n\n", subject="")
    with pytest.raises(aiosmtplib.SMTPDataError):
        await send_mail(bot_stack, empty)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send_mail(bot_stack, mail(resident_email, "hallo"), recipients=["iemand-anders@lindewaard.nl"])
    assert await db.messages.count_documents({"address": resident_email}) == 0

    await send_mail(bot_stack, mail(resident_email, "hallo"))
    assert [m["text"] for m in await _inbound(db, resident_email)] == ["hallo"]


async def test_attachments_are_kept_whole(bot_stack, fakes, db, resident_email):
    message = mail(resident_email, "Hierbij een foto van de kapotte stoep.")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="stoep.png")
    message.add_attachment(b"%PDF-1.4 formulier", maintype="application", subtype="pdf", filename="formulier.pdf")
    await send_mail(bot_stack, message)
    [stored] = await _inbound(db, resident_email)
    assert [(a["filename"], a["content_type"], a["size"]) for a in stored["attachments"]] == [
        ("stoep.png", "image/png", len(PNG)),
        ("formulier.pdf", "application/pdf", len(b"%PDF-1.4 formulier")),
    ]
    kept = await db.attachments.find_one({"_id": stored["attachments"][0]["stored_id"]})
    assert kept["content"] == PNG and kept["content_type"] == "image/png"


async def test_html_only_mail_is_read_without_the_quoted_part(bot_stack, fakes, db, resident_email):
    message = EmailMessage()
    message["From"] = resident_email
    message["To"] = env.HUB_EMAIL
    message["Subject"] = "Afval"
    message["Message-ID"] = make_msgid(domain="example.nl")
    message.set_content(
        "<html><body><div dir='ltr'>Wanneer wordt het <b>grofvuil</b> opgehaald?</div><br>"
        "<div class='gmail_quote'><div>Op ma 2 jun schreef Gemeente:</div><blockquote>Oud antwoord</blockquote></div>"
        "</body></html>",
        subtype="html",
    )
    await send_mail(bot_stack, message)
    [stored] = await _inbound(db, resident_email)
    assert stored["text"] == "Wanneer wordt het grofvuil opgehaald?"


async def test_automatic_mail_is_accepted_but_not_answered(stack, fakes, db, resident_email):
    await send_mail(stack, mail(resident_email, "Ik ben afwezig tot maandag.", Auto_Submitted="auto-replied"))
    await asyncio.sleep(0.5)
    assert await db.messages.count_documents({"address": resident_email}) == 0
    assert fakes.smtp.sent_to(resident_email) == []


async def test_relay_trouble_is_retried_and_a_refusal_is_final(bot_stack, fakes, db, resident_email):
    fakes.smtp.fail_for(resident_email, 451, 421)
    await send_mail(bot_stack, mail(resident_email, "hallo"))
    await fakes.smtp.wait_for(resident_email)
    [out] = await _reply(db, resident_email)
    assert out["delivery"]["status"] == "sent" and out["delivery"]["attempts"] == 3

    other = f"weg-{uuid.uuid4().hex[:8]}@example.nl"
    fakes.smtp.fail_for(other, 550)
    await send_mail(bot_stack, mail(other, "hallo"))
    [out] = await _reply(db, other)
    assert out["delivery"]["status"] == "failed" and out["delivery"]["attempts"] == 1


async def test_imap_mailbox_is_polled_and_mail_marked_seen(bot_stack, fakes, imap_server, db, resident_email):
    message = mail(resident_email, "hallo via de brievenbus")

    def append() -> None:
        imap = imaplib.IMAP4("127.0.0.1", imap_server)
        imap.login(env.IMAP_USER, env.IMAP_PASSWORD)
        imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()), message.as_bytes())
        imap.logout()

    await asyncio.to_thread(append)
    [stored] = await eventually(lambda: _count_at_least(db, resident_email, 1))
    assert stored["text"] == "hallo via de brievenbus"
    [relayed] = await fakes.smtp.wait_for(resident_email)
    assert relayed["message"]["In-Reply-To"] == message["Message-ID"]

    def unseen() -> list[bytes]:
        imap = imaplib.IMAP4("127.0.0.1", imap_server)
        imap.login(env.IMAP_USER, env.IMAP_PASSWORD)
        imap.select("INBOX")
        _, data = imap.uid("SEARCH", None, "UNSEEN")
        imap.logout()
        return (data[0] or b"").split()

    async def all_seen() -> bool:
        return await asyncio.to_thread(unseen) == []

    await eventually(all_seen, within_s=10)
    await asyncio.sleep(1.5)  # a few more polls: the mail is not stored twice
    assert len(await _inbound(db, resident_email)) == 1
