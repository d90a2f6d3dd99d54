"""The channel helpers that need no server: buttons, retry policy, text splitting, e-mail reading."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import pytest

from channels import buttons
from channels.base import split_text
from channels.delivery import (
    DeliveryError,
    Outcome,
    RetryPolicy,
    deliver,
    report_transition,
    with_retry,
)
from channels.email_parse import EmailParseError, html_to_text, parse_email, resident_text
from hub.core.models import Button, OutboundMessage

OPTIONS = [Button(title="Paspoort aanvragen", payload="/paspoort"), Button(title="Ik wil een medewerker spreken", payload="/handover")]
FAST = RetryPolicy(max_attempts=4, backoff_s=0.001, backoff_max_s=0.002, timeout_s=1)


@pytest.mark.parametrize(
    ("text", "payload"),
    [("2", "/handover"), (" 1. ", "/paspoort"), ("2)", "/handover"), ("ik wil een medewerker spreken", "/handover"),
     ("3", None), ("0", None), ("twee", None), ("1 paspoort graag", None)],
)
def test_a_number_or_exact_title_picks_an_option(text, payload):
    assert buttons.choose(text, OPTIONS) == payload


def test_numbered_text_and_html_list_the_options():
    assert buttons.numbered_text("Kies:", OPTIONS) == (
        "Kies:\n\n1. Paspoort aanvragen\n2. Ik wil een medewerker spreken\n\nAntwoord met het nummer van uw keuze."
    )
    assert buttons.numbered_text("Geen keuze", []) == "Geen keuze"
    assert buttons.numbered_html([Button(title="<b>", payload="/x")]).startswith("<ol><li>&lt;b&gt;</li></ol>")
    assert buttons.short_title("Paspoort aanvragen voor mijn kind", 20) == "Paspoort aanvragen…"


def test_backoff_doubles_is_capped_and_honours_retry_after():
    policy = RetryPolicy(backoff_s=1, backoff_max_s=30)
    assert [policy.wait_s(n) for n in (1, 2, 3, 6, 9)] == [1, 2, 4, 30, 30]
    assert policy.wait_s(1, retry_after=12) == 12
    assert policy.wait_s(1, retry_after=10_000) == 300


async def test_retry_until_success_counts_the_tries():
    answers = iter([DeliveryError("503", retryable=True), DeliveryError("429", retryable=True), "sid-1"])

    async def request() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await with_retry(request, FAST) == "sid-1"


async def test_no_retry_after_a_refusal_and_give_up_after_max_attempts():
    calls = 0

    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise DeliveryError("400", retryable=False)

    with pytest.raises(DeliveryError):
        await with_retry(refused, FAST)
    assert calls == 1

    async def slow() -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(5)

    calls = 0
    with pytest.raises(DeliveryError, match="no answer"):
        await with_retry(slow, RetryPolicy(max_attempts=2, backoff_s=0.001, timeout_s=0.01))
    assert calls == 2


def _out(conv: str, text: str) -> OutboundMessage:
    return OutboundMessage(message_id=text, conversation_id=conv, channel="sms", address="+31612345678", text=text)


async def test_deliver_keeps_the_order_within_a_conversation_while_retrying():
    sent: list[str] = []
    failures = {"eerste": 2}

    async def sender(out: OutboundMessage) -> str:
        async def request() -> str:
            if failures.get(out.text, 0):
                failures[out.text] -= 1
                raise DeliveryError("500", retryable=True)
            sent.append(out.text)
            return f"id-{out.text}"

        return await with_retry(request, FAST)

    outcomes = await asyncio.gather(deliver(sender, _out("c1", "eerste")), deliver(sender, _out("c1", "tweede")))
    assert sent == ["eerste", "tweede"]
    assert outcomes[0] == Outcome(status="sent", provider_message_id="id-eerste", attempts=3)
    assert outcomes[1].attempts == 1


async def test_deliver_turns_a_crashing_channel_into_a_failed_message():
    async def broken(out: OutboundMessage) -> str:
        raise RuntimeError("bug")

    outcome = await deliver(broken, _out("c2", "x"))
    assert outcome.status == "failed" and "RuntimeError" in outcome.error


def test_delivery_reports_only_move_forward():
    assert report_transition("delivered") == ["pending", "sent"]
    assert report_transition("read") == ["pending", "sent", "delivered"]
    assert "read" not in report_transition("failed")


def test_split_text_cuts_at_paragraphs_and_keeps_every_word():
    text = "\n\n".join(["woord " * 300] * 3).strip()
    pieces = split_text(text, 1000)
    assert all(len(p) <= 1000 for p in pieces) and " ".join(pieces).split() == text.split()
    assert split_text("kort", 1000) == ["kort"]
    assert split_text("x" * 2500, 1000) == ["x" * 1000, "x" * 1000, "x" * 500]


# ---------------------------------------------------------------------- e-mail
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Wanneer is het stadhuis open?\n\nMet vriendelijke groet,\nJan", "Wanneer is het stadhuis open?"),
        ("Dank u!\n\nOp 3 jun. 2025, om 10:12 heeft Gemeente Lindewaard <kcc@lindewaard.nl> het volgende geschreven:\n\n> Oud", "Dank u!"),
        ("Goed zo\n\nOp di 3 jun 2025 om 10:00 schreef Gemeente <kcc@lindewaard.nl>:\n> Oud bericht", "Goed zo"),
        ("Thanks\nOn Tue, Jun 3, 2025 at 10:00 AM Gemeente <kcc@lindewaard.nl> wrote:\n> old", "Thanks"),
        ("Zie bijlage\n\nVan: Gemeente Lindewaard\nVerzonden: dinsdag 3 juni 2025 10:00\nAan: Jan", "Zie bijlage"),
        ("Oké\n-----Oorspronkelijk bericht-----\nVan: x", "Oké"),
        ("Hoi\n\nVerzonden vanaf mijn iPhone", "Hoi"),
        ("regel 1\n-- \nJan Jansen\n06-12345678", "regel 1"),
        ("Eerste alinea\n\n\n\nTweede alinea", "Eerste alinea\n\nTweede alinea"),
    ],
    ids=["nl-greeting", "apple-mail-nl", "gmail-nl", "gmail-en", "outlook-nl", "original-message", "iphone", "sig-dashes", "blank-lines"],
)
def test_quoted_replies_and_signatures_are_cut(body, expected):
    assert resident_text(body) == expected


def test_html_is_read_as_text_without_styles_and_quotes():
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Mijn <b>afval</b> is niet opgehaald.</p>"
        "<p>Adres: Dorpsstraat&nbsp;1</p><blockquote>oud</blockquote></body></html>"
    )
    text = html_to_text(html)
    assert "color" not in text
    assert resident_text(text) == "Mijn afval is niet opgehaald.\n\nAdres: Dorpsstraat 1"


def _mail(**headers: str) -> bytes:
    message = EmailMessage()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("hallo")
    return message.as_bytes()


def test_threading_headers_give_the_thread_root():
    raw = _mail(From="Jan <JAN@Example.NL>", To="kcc@lindewaard.nl", Subject="Re: vraag", Message_ID="<3@x.nl>",
                In_Reply_To="<2@lindewaard.nl>", References="<1@x.nl> <2@lindewaard.nl>")
    parsed = parse_email(raw)
    assert parsed.from_address == "jan@example.nl" and parsed.from_name == "Jan"
    assert parsed.thread_root == "<1@x.nl>" and parsed.in_reply_to == "<2@lindewaard.nl>"
    first = parse_email(_mail(From="jan@example.nl", Subject="vraag", Message_ID="<1@x.nl>"))
    assert first.thread_root == "<1@x.nl>"


def test_mail_without_message_id_gets_a_stable_one():
    raw = _mail(From="jan@example.nl", Subject="vraag")
    assert parse_email(raw).message_id == parse_email(raw).message_id


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"X_Autoreply": "yes"}, {"From": "MAILER-DAEMON@mx.example.nl"}],
)
def test_robots_are_recognised(headers):
    assert parse_email(_mail(**{"From": "jan@example.nl", "Subject": "x", **headers})).auto_submitted


def test_unreadable_mail_is_refused():
    with pytest.raises(EmailParseError):
        parse_email(_mail(Subject="geen afzender"))
    with pytest.raises(EmailParseError):
        parse_email(b"From: jan@example.nl\r\n\r\n\r\n")
