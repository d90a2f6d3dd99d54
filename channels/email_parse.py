"""Reading an incoming e-mail with the standard library: addresses, threading, text, attachments.

The text the bot sees is the resident's own words: the plain part (or the HTML part turned
into text), with quoted earlier mails, forwarded headers and the signature cut off. The
full text is kept beside it, and every attachment is kept whole.
"""

from __future__ import annotations

import hashlib
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from pydantic import BaseModel

MAX_REFERENCES = 20
_MSGID = re.compile(r"<[^<>\s]+>")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# Lines that start quoted or forwarded text (Dutch and English mail clients).
_QUOTE_HEADERS = [
    re.compile(r"^\s*Op .{4,200}(schreef|geschreven).{0,200}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*On .{4,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Oorspronkelijk bericht|Original Message|Doorgestuurd bericht|Forwarded message)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*(Van|From)\s*:\s*.+$", re.IGNORECASE),  # Outlook's header block of the quoted mail
    re.compile(r"^_{10,}\s*$"),
]
_SIGNATURE_STARTS = [
    re.compile(r"^-- ?$"),  # the standard signature separator
    re.compile(r"^\s*(Met )?(vriendelijke|hartelijke) groet(en)?\b", re.IGNORECASE),
    re.compile(r"^\s*(Groet(en)?|Mvg|Gr\.?)\s*,?\s*$", re.IGNORECASE),
    re.compile(r"^\s*(Kind regards|Best regards|Regards)\b", re.IGNORECASE),
    re.compile(r"^\s*(Verzonden (vanaf|met) mijn|Sent from my)\b", re.IGNORECASE),
]


class EmailParseError(ValueError):
    """The bytes are no usable e-mail (no sender address, nothing to read)."""


class ParsedAttachment(BaseModel):
    filename: str | None
    content_type: str
    content: bytes


class ParsedEmail(BaseModel):
    """An e-mail as the channel needs it; ``auto_submitted``: robots, bounces and bulk mail."""

    message_id: str
    in_reply_to: str | None
    references: list[str]
    thread_root: str
    from_address: str
    from_name: str | None
    to: list[str]
    subject: str
    text: str  # what the bot sees
    full_text: str
    attachments: list[ParsedAttachment]
    auto_submitted: bool


def parse_email(raw: bytes) -> ParsedEmail:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    name, address = parseaddr(_header(msg, "From"))
    address = address.strip().lower()
    if not _EMAIL.match(address):
        raise EmailParseError("no sender address")
    references = _ids(_header(msg, "References"))[-MAX_REFERENCES:]
    in_reply_to = next(iter(_ids(_header(msg, "In-Reply-To"))), None)
    message_id = next(iter(_ids(_header(msg, "Message-ID"))), None)
    if message_id is None:  # no id: derive one from the content, so a redelivery is still recognised
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:32]}@kcc.invalid>"
    plain, html = _bodies(msg)
    full_text = (plain if plain.strip() else html_to_text(html)).replace("\r\n", "\n")
    attachments = [
        ParsedAttachment(
            filename=part.get_filename(),
            content_type=part.get_content_type(),
            content=part.get_payload(decode=True) or b"",
        )
        for part in msg.iter_attachments()
        if isinstance(part, EmailMessage)
    ]
    subject = " ".join(_header(msg, "Subject").split())
    text = resident_text(full_text)
    if not text and not attachments and not subject:
        raise EmailParseError("empty message")
    auto = (_header(msg, "Auto-Submitted") or "no").strip().lower() not in ("", "no")
    auto = auto or bool(_header(msg, "X-Autoreply")) or msg.get_content_type() == "multipart/report"
    auto = auto or _header(msg, "Precedence").strip().lower() in ("bulk", "auto_reply", "list", "junk")
    auto = auto or address.split("@")[0] in ("mailer-daemon", "postmaster")
    return ParsedEmail(
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        thread_root=(references or [in_reply_to or message_id])[0],
        from_address=address,
        from_name=name or None,
        to=[a.lower() for _, a in getaddresses(_header_all(msg, "To") + _header_all(msg, "Cc")) if a],
        subject=subject,
        text=text,
        full_text=full_text,
        attachments=attachments,
        auto_submitted=auto,
    )


def _header_all(msg: EmailMessage, name: str) -> list[str]:
    """Every value of a header as text. The standard library's structured header parser raises
    assorted errors (IndexError, HeaderParseError, ...) on some malformed headers: then the raw
    value is used, unfolded."""
    try:
        return [str(v) for v in msg.get_all(name, [])]
    except Exception:  # noqa: BLE001 - see above; a resident's odd mail client must not lose the mail
        return [" ".join(str(v).split()) for k, v in msg.raw_items() if k.lower() == name.lower()]


def _header(msg: EmailMessage, name: str) -> str:
    return next(iter(_header_all(msg, name)), "")


def _ids(header: str) -> list[str]:
    return _MSGID.findall(header)


def _bodies(msg: EmailMessage) -> tuple[str, str]:
    plain_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    return _content(plain_part), _content(html_part)


def _content(part: object) -> str:
    if not isinstance(part, EmailMessage):
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):  # unknown or wrong charset
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def resident_text(text: str) -> str:
    """The resident's own words: quoted replies, forwarded headers and the signature cut off."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        if line.lstrip().startswith(">") or any(p.match(line) for p in _QUOTE_HEADERS):
            break
        if any(p.match(line) for p in _SIGNATURE_STARTS):
            break
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


class _TextFromHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol"}
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes or "moz-cite-prefix" in classes:
            self.parts.append("\n> ")  # keep a marker: resident_text cuts from here
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    if not html:
        return ""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
