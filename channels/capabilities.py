"""What a resident can send on each channel besides text: a photo, a location.

The bot asks for a photo or a location only where the resident can send one (a form must
never promise what the channel cannot do). Web chat: the widget's "Foto toevoegen" and
"Deel mijn locatie" buttons (payloads ``WIDGET_PHOTO`` / ``WIDGET_LOCATION``: the widget acts
on them itself and never sends them); WhatsApp, Telegram and Messenger: media and locations;
Instagram and e-mail: images only; SMS and the web contact form: text only.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["photo", "location"]

WIDGET_PHOTO = "widget:photo"
WIDGET_LOCATION = "widget:location"

CAN_SEND: dict[str, frozenset[str]] = {
    "webchat": frozenset({"photo", "location"}),
    "whatsapp": frozenset({"photo", "location"}),
    "telegram": frozenset({"photo", "location"}),
    "messenger": frozenset({"photo", "location"}),
    "instagram": frozenset({"photo"}),
    "email": frozenset({"photo"}),
    "sms": frozenset(),
    "webform": frozenset(),
}

# Photos residents may send in the web chat: these types, at most this size (KCC_WEBCHAT_PHOTO_MAX_BYTES)
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "image/heif": "heic", "image/webp": "webp"}


def can_send(channel: str | None, kind: Kind) -> bool:
    """Whether a resident on ``channel`` can send a ``kind`` (unknown channels: text only)."""
    return kind in CAN_SEND.get(channel or "", frozenset())


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes really are (jpeg, png, heic, webp), or None: a name or header can lie."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"):
        return "image/heic"
    return None
