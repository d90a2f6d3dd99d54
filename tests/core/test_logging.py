"""The JSON log formatter masks BSN-shaped numbers (nine digits standing alone), not digit runs inside ids."""

from __future__ import annotations

import io
import json
import logging

import pytest

from hub.core.logging_setup import JsonFormatter, mask
from hub.core.models import new_id

BSN = "123456782"  # passes the eleven-test


def logged(message: str, **extra: object) -> dict[str, object]:
    """One record through a real logger and the formatter, read back as the JSON line it wrote."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.core.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, extra=extra)
    finally:
        logger.removeHandler(handler)
    return json.loads(stream.getvalue())


@pytest.mark.parametrize("text", [
    f"bsn {BSN}", f"BSN: {BSN}", f"bsn={BSN}", f"{BSN},", f"({BSN})", f"'{BSN}'", f"nr_{BSN}", BSN,
    f"mijn bsn is {BSN}.", f"/api/v1/contacts?bsn={BSN}&x=1", f"bsn{BSN}", f"BSN{BSN}",
])
def test_a_nine_digit_number_standing_alone_is_masked(text):
    assert BSN not in mask(text)
    assert "*********" in mask(text)


@pytest.mark.parametrize("text", [
    f"a{BSN}f0", f"conversation 3fa{BSN}bc0d1e2f3a4b5c6d7e8f9a0b1c2", f"{BSN}abcdef", f"ff{BSN}",
    "SM0123456789abcdef", "06123456789", "1234567890",
])
def test_nine_digits_inside_a_longer_token_or_a_longer_number_stay(text):
    assert mask(text) == text


def test_a_log_line_keeps_the_conversation_id_and_masks_the_bsn():
    conversation_id = "c0ffee" + BSN + "a" * 17  # uuid4().hex-shaped: 32 hex characters with a nine-digit run
    assert len(conversation_id) == len(new_id())
    entry = logged(f"lookup for bsn {BSN} failed", conversation_id=conversation_id, note=f"{BSN},")
    assert entry["conversation_id"] == conversation_id
    assert entry["event"] == "lookup for bsn ********* failed"
    assert entry["note"] == "*********,"
