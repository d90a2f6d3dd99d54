"""An agent refers a resident to a partner from the console: the partner's one line reaches the resident, and it counts."""

from __future__ import annotations

from tests.handover.test_console_api import _assigned, _handed_over, _resident_sees
from tests.polling import eventually


async def test_an_agent_refers_to_the_police_from_the_console(bot_stack, http, db, session_id, desk_reset, console):
    anna = await console()
    conv_id = await _handed_over(http, bot_stack, session_id, db)
    await eventually(lambda: _assigned(db, conv_id, anna.username), 10)

    status, body = await anna.call("POST", f"/conversations/{conv_id}/messages", json={"partner": "bestaat-niet"})
    assert status == 404 and body["error"]["code"] == "unknown_partner"
    status, _ = await anna.call("POST", f"/conversations/{conv_id}/messages", json={"partner": "politie"})
    assert status == 201
    said = (await _resident_sees(http, bot_stack, conv_id))[-1]["text"]
    assert said.startswith("Dit regelt de politie") and "0900-8844" in said
    event = await db.events.find_one({"type": "referral", "conversation_id": conv_id})
    assert event["partner"] == "politie" and event["by"] == anna.username
