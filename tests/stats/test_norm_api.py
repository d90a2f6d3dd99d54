"""The norms through the running hub: the CSV export (``GET /api/v1/stats/<figure>.csv``) with the
dashboard's rights, on the June 2025 norm history (norm_history.py), read now (all terms known)."""

from __future__ import annotations

from tests.contacts.staff import logged_in
from tests.stats.test_api import get_csv

JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


async def test_within_term_per_channel_as_csv(hub_norms, db):
    async with logged_in(hub_norms, db, ["supervisor"]) as boss:
        status, ctype, rows = await get_csv(boss, "/api/v1/stats/within-term.csv", **JUNE, table="by_channel")
        assert status == 200 and ctype.startswith("text/csv")
        # read now: E3 (no answer) ran out on 20 June
        assert rows == [
            {"channel": "email", "within_term": "1", "late": "2", "pending": "0", "share_within_term": "0.3333",
             "breach": "True", "suppressed": ""},
            {"channel": "webchat", "within_term": "5", "late": "2", "pending": "0", "share_within_term": "0.7143",
             "breach": "True", "suppressed": ""},
            {"channel": "whatsapp", "within_term": "1", "late": "1", "pending": "0", "share_within_term": "0.5",
             "breach": "True", "suppressed": ""},
        ]
        status, _, rows = await get_csv(boss, "/api/v1/stats/first-contact.csv", **JUNE)
        assert rows[0]["overall_resolved"] == "8" and rows[0]["overall_share_resolved"] == "0.8"
        status, _, rows = await get_csv(boss, "/api/v1/stats/satisfaction.csv", **JUNE, table="by_team")
        kcc = next(r for r in rows if r["team"] == "kcc")
        assert kcc["responses"] == "4" and kcc["average"] == "" and "average" in kcc["suppressed"].split()
        status, _, rows = await get_csv(boss, "/api/v1/stats/pickup.csv", **JUNE, table="by_channel")
        assert rows == [{"channel": "webchat", "picked_up_in_time": "2", "late": "2", "share_within_norm": "0.5",
                         "breach": "True", "suppressed": ""}]
        status, _, _ = await get_csv(boss, "/api/v1/stats/within-term.csv", **JUNE, table="nope")
        assert status == 404


async def test_the_csv_has_the_dashboards_rights(hub_norms, db, http):
    async with http.get(f"{hub_norms.hub_url}/api/v1/stats/within-term.csv", params=JUNE) as resp:
        assert resp.status == 401
    async with logged_in(hub_norms, db, ["agent"]) as agent:
        status, body = await agent.get("/api/v1/stats/within-term.csv", **JUNE)
        assert (status, body["error"]["code"]) == (403, "forbidden")
