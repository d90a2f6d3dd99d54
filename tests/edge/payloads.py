"""Hypothesis strategies for provider payloads: shaped like the real thing, with hostile values mixed in."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.channels import stack_env as env

# JSON-ish values of every kind, for places where a provider might send something unexpected
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
)
json_values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
texts = st.one_of(st.text(max_size=200), st.sampled_from(["", " ", "1", "hoi", "Wanneer wordt het afval opgehaald?", "\x00", "😀" * 3]))
ids = st.one_of(st.integers(min_value=-(2**63), max_value=2**63), st.text(max_size=20))


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or something of another type in its place."""
    return st.one_of(value, value, value, json_values)


# ---------------------------------------------------------------------- Twilio (form fields)
sids = st.one_of(st.from_regex(r"\ASM[0-9a-f]{32}\Z"), st.text(max_size=40))
phones = st.one_of(
    st.from_regex(r"\A(whatsapp:)?\+31[1-9][0-9]{8}\Z"), st.text(max_size=30), st.sampled_from(["whatsapp:", "+", "+0123"])
)
form_values = st.one_of(st.text(max_size=60), st.integers(min_value=-5, max_value=20).map(str), st.floats().map(str))


@st.composite
def twilio_params(draw: st.DrawFn) -> dict[str, str]:
    params = {
        "MessageSid": draw(sids),
        "From": draw(phones),
        "To": f"whatsapp:{env.WHATSAPP_FROM}",
        "Body": draw(texts),
        "NumMedia": draw(st.one_of(st.integers(min_value=-1, max_value=12).map(str), st.text(max_size=4))),
        "AccountSid": env.ACCOUNT_SID,
    }
    optional = {
        "Latitude": form_values, "Longitude": form_values, "Address": st.text(max_size=30), "Label": st.text(max_size=30),
        "ProfileName": st.text(max_size=30), "ButtonPayload": st.text(max_size=600),
        "MediaUrl0": st.text(max_size=40), "MediaContentType0": st.text(max_size=20), "MediaUrl1": st.text(max_size=40),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        params[key] = draw(optional[key])
    for key in draw(st.lists(st.sampled_from(sorted(params)), max_size=2, unique=True)):
        del params[key]  # required fields go missing too
    return params


# ---------------------------------------------------------------------- Telegram (Update JSON)
@st.composite
def telegram_updates(draw: st.DrawFn) -> dict[str, Any]:
    chat = {"id": draw(maybe(ids)), "type": draw(maybe(st.sampled_from(["private", "group", "channel", "supergroup"])))}
    user = {"id": draw(maybe(ids)), "is_bot": draw(maybe(st.booleans())), "first_name": draw(maybe(st.text(max_size=10)))}
    if draw(st.booleans()):
        user["username"] = draw(maybe(st.text(max_size=10)))
    message: dict[str, Any] = {
        "message_id": draw(maybe(ids)),
        "date": draw(maybe(st.integers(min_value=-(2**40), max_value=2**40))),
        "chat": draw(maybe(st.just(chat))),
    }
    if draw(st.booleans()):
        message["from"] = user
    extras = {
        "text": maybe(texts),
        "caption": maybe(texts),
        "photo": maybe(st.lists(st.fixed_dictionaries(
            {"file_id": maybe(st.text(max_size=10)), "file_unique_id": maybe(st.text(max_size=10)),
             "width": maybe(st.integers(0, 5000)), "height": maybe(st.integers(0, 5000))}), max_size=3)),
        "document": maybe(st.fixed_dictionaries({"file_id": st.text(max_size=10), "file_unique_id": st.text(max_size=10)},
                                                optional={"file_name": st.text(max_size=10), "mime_type": st.text(max_size=10),
                                                          "file_size": st.integers(-5, 10**9)})),
        "location": maybe(st.fixed_dictionaries({"latitude": maybe(st.floats()), "longitude": maybe(st.floats())})),
        "venue": maybe(st.fixed_dictionaries({
            "location": st.fixed_dictionaries({"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}),
            "title": maybe(st.text(max_size=10)), "address": maybe(st.text(max_size=10))})),
        "sticker": json_values,
        "reply_markup": json_values,
    }
    for key in draw(st.lists(st.sampled_from(sorted(extras)), unique=True, max_size=4)):
        message[key] = draw(extras[key])
    update: dict[str, Any] = {"update_id": draw(maybe(st.integers(min_value=0, max_value=2**31)))}
    kind = draw(st.sampled_from(["message", "edited_message", "callback_query", "other"]))
    if kind == "callback_query":
        update["callback_query"] = {
            "id": draw(maybe(st.text(max_size=10))), "from": user, "chat_instance": draw(maybe(st.text(max_size=5))),
            "data": draw(maybe(st.one_of(st.text(max_size=70), st.integers(0, 20).map(str)))),
            "message": message,
        }
    elif kind == "other":
        update[draw(st.text(max_size=10))] = draw(json_values)
    else:
        update[kind] = message
    return update


# ---------------------------------------------------------------------- Meta (Messenger / Instagram JSON)
@st.composite
def meta_bodies(draw: st.DrawFn) -> dict[str, Any]:
    def event() -> dict[str, Any]:
        ev: dict[str, Any] = {
            "sender": {"id": draw(maybe(st.text(min_size=1, max_size=16)))},
            "recipient": {"id": draw(maybe(st.text(max_size=16)))},
            "timestamp": draw(maybe(st.integers(min_value=0, max_value=2**45))),
        }
        kind = draw(st.sampled_from(["message", "postback", "read", "none"]))
        if kind == "message":
            ev["message"] = {
                "mid": draw(maybe(st.text(min_size=1, max_size=20))),
                **draw(st.fixed_dictionaries({}, optional={
                    "text": maybe(texts),
                    "is_echo": maybe(st.booleans()),
                    "quick_reply": st.fixed_dictionaries({"payload": maybe(st.text(max_size=20))}),
                    "attachments": st.lists(st.fixed_dictionaries(
                        {"type": maybe(st.sampled_from(["image", "location", "file", "video", "fallback"]))},
                        optional={"payload": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
                            "url": maybe(st.text(max_size=30)), "title": maybe(st.text(max_size=10)),
                            "coordinates": st.fixed_dictionaries({"lat": maybe(st.floats()), "long": maybe(st.floats())}),
                        }))}), max_size=3),
                })),
            }
        elif kind == "postback":
            ev["postback"] = {"payload": draw(maybe(st.text(max_size=20))), "title": draw(maybe(st.text(max_size=20)))}
        elif kind == "read":
            ev["read"] = {"watermark": draw(st.integers())}
        return ev

    entries = [
        {"id": draw(maybe(st.text(max_size=10))), "time": draw(maybe(st.integers(0, 2**45))),
         "messaging": [event() for _ in range(draw(st.integers(0, 3)))]}
        for _ in range(draw(st.integers(0, 3)))
    ]
    return {"object": draw(maybe(st.sampled_from(["page", "instagram", "whatsapp_business_account"]))), "entry": entries}


# ---------------------------------------------------------------------- e-mail (raw MIME)
header_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from([
        "Jan Jansen <jan@example.nl>", "jan@example.nl", "<a@b.c>", "=?utf-8?q?J=C3=A9r=C3=B4me?= <j@example.nl>",
        "=?bogus?x?zz?=", "\"unterminated <x@y.z>", "<>", ",,,", "undisclosed-recipients:;", "a@b@c",
    ]),
)
bodies = st.one_of(texts, st.sampled_from([
    "<html><body><p>Hallo</p><blockquote>oud</blockquote></body></html>", "Hoi\n\nOp 1 jan schreef x:\n> oud", "-- \nsig",
]))


@st.composite
def raw_emails(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=400))
    headers = {
        "From": header_values, "To": header_values, "Cc": header_values, "Subject": header_values,
        "Message-ID": header_values, "In-Reply-To": header_values, "References": header_values,
        "Auto-Submitted": header_values, "Precedence": header_values,
        "Content-Type": st.sampled_from([
            "text/plain; charset=utf-8", "text/html; charset=iso-8859-1", "text/plain; charset=bogus-charset",
            "multipart/mixed; boundary=XYZ", "multipart/alternative", "multipart/report; boundary=XYZ", "application/pdf",
        ]),
        "Content-Transfer-Encoding": st.sampled_from(["7bit", "base64", "quoted-printable", "x-unknown"]),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(headers)), unique=True, min_size=1))
    lines = [f"{name}: {draw(headers[name])}".replace("\n", " ").replace("\r", " ") for name in chosen]
    body = draw(bodies)
    if draw(st.booleans()):
        part_type = draw(st.sampled_from(["text/plain", "text/html", "application/octet-stream", "image/png"]))
        filename = draw(st.one_of(st.none(), st.text(max_size=12)))
        disposition = f'Content-Disposition: attachment; filename="{filename}"\n' if filename is not None else ""
        body = f"--XYZ\nContent-Type: {part_type}\n{disposition}\n{body}\n--XYZ--\n"
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------- Slack (Events API JSON)
@st.composite
def slack_payloads(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["event_callback", "url_verification", "block_actions", "other"]))
    if kind == "url_verification":
        return {"type": kind, "challenge": draw(maybe(st.text(max_size=20))), "token": "x"}
    if kind != "event_callback":
        return {"type": draw(maybe(st.just(kind))), **draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3))}
    event = {
        "type": draw(maybe(st.sampled_from(["message", "app_mention", "reaction_added"]))),
        "channel": draw(maybe(st.sampled_from(["C0KCCDESK", "C0OTHER"]))),
        "user": draw(maybe(st.sampled_from(["U0SLACKAGENT", "U0NOBODY"]))),
        "text": draw(maybe(texts)),
        "ts": draw(maybe(st.sampled_from(["1700000000.000100", "1700000000.000200"]))),
        "thread_ts": draw(maybe(st.sampled_from(["1700000000.000100", "1699999999.000001"]))),
    }
    for key in draw(st.lists(st.sampled_from(["subtype", "bot_id"]), unique=True)):
        event[key] = draw(st.text(max_size=8))
    return {
        "type": "event_callback",
        "event_id": draw(maybe(st.text(min_size=1, max_size=20))),
        "event": draw(st.one_of(st.just(event), st.just(event), json_values)),
    }


# ---------------------------------------------------------------------- web chat API bodies
webchat_bodies = st.fixed_dictionaries(
    {"session_id": maybe(st.one_of(st.from_regex(r"\Afuzz-[a-z0-9]{1,12}\Z"), st.text(max_size=140)))},
    optional={
        "text": maybe(texts),
        "payload": maybe(st.one_of(st.none(), st.text(max_size=600), st.sampled_from(["/greet", "/afval"]))),
        "message_id": maybe(st.one_of(st.none(), st.text(max_size=140))),
        "page_url": maybe(st.one_of(st.none(), st.text(max_size=100))),
        "identity_token": maybe(st.one_of(st.none(), st.text(max_size=100))),
        "extra": json_values,
    },
)
