"""Channel policy: on public social channels the bot asks nothing personal.

On Facebook Messenger and Instagram the bot never asks for a BSN, an address or the
details of a case (a case number). When a journey needs them (a melding's place and contact,
the status of a case), it moves the resident to a private channel instead: the web chat
(``KCC_PRIVATE_CHAT_URL``, by default the hub's ``/chat``).
"""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions.common import message_metadata
from hub.core.settings import get_settings

PUBLIC_SOCIAL = {"messenger": "Facebook", "instagram": "Instagram"}
# Form slots that would make the resident write personal data or case details here.
PRIVATE_SLOTS = {"melding_where", "melding_contact", "case_number", "callback_phone"}


def public_social(tracker: Tracker) -> str | None:
    """The platform's name when this conversation runs on a public social channel."""
    return PUBLIC_SOCIAL.get(message_metadata(tracker).get("channel") or "")


def private_url() -> str:
    settings = get_settings()
    return settings.private_chat_url or settings.public_url.rstrip("/") + "/chat"


def move_text(platform: str) -> str:
    return (
        f"Via {platform} kan ik u hier niet verder helpen: daarvoor zijn uw adres of de gegevens van uw zaak nodig, "
        f"en die horen niet op {platform}. Deel ze hier dus niet. Ga verder in onze eigen, beveiligde chat: "
        f"{private_url()} . Daar helpen wij u meteen verder."
    )
