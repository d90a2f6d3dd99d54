"""Structured logging: one JSON line per event; BSNs are masked whatever a caller passes."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Nine digits standing alone: not next to another letter or digit, so a run inside a longer token
# (a conversation id such as uuid4().hex, a provider's message id) stays readable, while
# "bsn 123456782", "bsn=123456782" and "123456782," are masked; so is a number glued to the
# word itself ("bsn123456782", "BSN123456782").
BSN_RE = re.compile(r"(?:(?<![^\W_])|(?<=bsn))\d{9}(?![^\W_])", re.IGNORECASE)
_STD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def mask(text: str) -> str:
    """Replace anything shaped like a BSN (nine digits standing alone) by a mask."""
    return BSN_RE.sub("*********", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return mask(json.dumps(entry, default=str, ensure_ascii=False))


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "pymongo", "motor"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
