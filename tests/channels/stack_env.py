"""Channel settings for the test hub: every channel on, pointed at the local fakes.

``tests/conftest.py`` adds ``channel_env(stack.channel_ports)`` to the hub's environment;
``tests/channels/conftest.py`` starts the fakes on the same ports.
"""

from __future__ import annotations

from hub.cli import launcher

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-twilio-auth-token"
WHATSAPP_FROM = "+14155238886"
SMS_FROM = "+3197010000001"
TEMPLATE_SID = "HX" + "fedcba9876543210" * 2
NOTICE_TEMPLATE_SID = "HX" + "0a1b2c3d4e5f6789" * 2
TELEGRAM_TOKEN = "123456789:TEST-telegram-bot-token"
TELEGRAM_SECRET = "test-telegram-secret"
META_VERIFY = "test-meta-verify"
META_SECRET = "test-meta-app-secret"
META_PAGE_TOKEN = "test-meta-page-token"
GRAPH_VERSION = "v21.0"
HUB_EMAIL = "kcc@lindewaard.nl"
IMAP_USER = "kcc@lindewaard.nl"
IMAP_PASSWORD = "test-imap-password"
PORT_NAMES = ("twilio", "telegram", "meta", "smtp_in", "smtp_relay", "imap")


def channel_ports() -> dict[str, int]:
    return {name: launcher.free_port() for name in PORT_NAMES}


def channel_env(ports: dict[str, int]) -> dict[str, str]:
    local = "http://127.0.0.1"
    return {
        "KCC_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "KCC_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "KCC_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "KCC_TWILIO_SMS_FROM": SMS_FROM,
        "KCC_TWILIO_API_BASE": f"{local}:{ports['twilio']}",
        "KCC_WHATSAPP_TEMPLATE_SID": TEMPLATE_SID,
        "KCC_WHATSAPP_NOTICE_TEMPLATE_SID": NOTICE_TEMPLATE_SID,
        "KCC_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "KCC_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "KCC_TELEGRAM_API_BASE": f"{local}:{ports['telegram']}",
        "KCC_META_VERIFY_TOKEN": META_VERIFY,
        "KCC_META_APP_SECRET": META_SECRET,
        "KCC_META_PAGE_TOKEN": META_PAGE_TOKEN,
        "KCC_META_GRAPH_BASE": f"{local}:{ports['meta']}/{GRAPH_VERSION}",
        "KCC_EMAIL_ADDRESS": HUB_EMAIL,
        "KCC_SMTP_LISTEN_PORT": str(ports["smtp_in"]),
        "KCC_SMTP_RELAY_HOST": "127.0.0.1",
        "KCC_SMTP_RELAY_PORT": str(ports["smtp_relay"]),
        "KCC_SMTP_RELAY_TLS": "none",
        "KCC_IMAP_HOST": "127.0.0.1",
        "KCC_IMAP_PORT": str(ports["imap"]),
        "KCC_IMAP_TLS": "false",
        "KCC_IMAP_USERNAME": IMAP_USER,
        "KCC_IMAP_PASSWORD": IMAP_PASSWORD,
        "KCC_IMAP_POLL_S": "0.5",
        "KCC_DELIVERY_MAX_ATTEMPTS": "4",
        "KCC_DELIVERY_BACKOFF_S": "0.05",
        "KCC_DELIVERY_BACKOFF_MAX_S": "0.4",
        "KCC_DELIVERY_TIMEOUT_S": "5",
    }
