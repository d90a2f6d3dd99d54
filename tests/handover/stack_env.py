"""Handover settings for the test hub: always open, and the Slack desk pointed at the local fake.

``tests/conftest.py`` adds ``handover_env(stack.handover_ports)`` to the hub's environment;
``tests/handover/conftest.py`` starts the fake Slack Web API on the same port. Tests that
need other office hours, teams or timeouts build the desk in their own event loop
(``inproc`` fixture) with their own settings and database.
"""

from __future__ import annotations

import json

from hub.cli import launcher

SLACK_TOKEN = "xoxb-test-kcc-desk"
SLACK_CHANNEL = "C0KCCDESK"
SLACK_SIGNING_SECRET = "test-slack-signing-secret"
SLACK_AGENT_USER = "U0SLACKAGENT"
SLACK_AGENT = "slack-agent"
ALWAYS_OPEN = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def handover_ports() -> dict[str, int]:
    return {"slack": launcher.free_port()}


def handover_env(ports: dict[str, int]) -> dict[str, str]:
    return {
        # The suite runs at any hour: the test hub (and the action server) are always open.
        "KCC_HANDOVER_OFFICE_HOURS": json.dumps(ALWAYS_OPEN),
        "KCC_HANDOVER_OPEN_ON_HOLIDAYS": "true",
        "KCC_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "KCC_SLACK_CHANNEL": SLACK_CHANNEL,
        "KCC_SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "KCC_SLACK_API_BASE": f"http://127.0.0.1:{ports['slack']}/api/",
        "KCC_SLACK_AGENTS": json.dumps({SLACK_AGENT_USER: SLACK_AGENT}),
    }
