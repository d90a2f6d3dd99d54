"""``bench/nlu.py --file``: an evaluation file of one's own, sent end to end through the web chat API.

Starts the real stack (hub, Rasa, action server, database) through the bench's own script, as a
reviewer with messages the project never saw would run it. One item expects an article the bot
does not give, so the figures and the printed miss show that the comparison is real.
"""

from __future__ import annotations

import json
import subprocess
import sys

from hub.core.settings import ROOT

ITEMS = [
    {"text": "Ik ben mijn paspoort kwijtgeraakt, wat moet ik doen?", "style": "eigen", "kind": "topic",
     "expect": {"article": ["reisdocument-kwijt"]}},
    {"text": "Wat kost het om mijn paspoort kwijt te raken?", "style": "eigen", "kind": "topic",
     "expect": {"article": ["hondenbelasting"]}},  # wrong on purpose: must be counted as a miss
    {"text": "Kunt u mij morgen terugbellen?", "style": "eigen", "kind": "action", "expect": {"action": ["callback"]}},
]


def test_an_own_file_is_measured_end_to_end_and_its_misses_printed_on_request(tmp_path):
    own = tmp_path / "unseen.jsonl"
    own.write_text("".join(json.dumps(i) + "\n" for i in ITEMS), encoding="utf-8")
    saved = tmp_path / "replies.jsonl"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.nlu", "--split", "none", "--file", str(own), "--no-holdout", "--show-test-misses",
         "--save", str(saved)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "unseen.jsonl end to end through the web chat API: 3 messages" in out, out
    replies = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in replies] == [i["text"] for i in ITEMS]
    assert replies[1]["ok"] is False and replies[1]["action"]  # the bot answered, not with the dog tax article
    rows = {tuple(line.split()[:3]): line.split()[3] for line in out.splitlines() if line.startswith("  eigen ")}
    assert rows[("eigen", "topic", "2")] == f"{(replies[0]['ok'] + replies[1]['ok']) / 2:.2f}", out
    assert rows[("eigen", "action", "1")] == f"{replies[2]['ok']:.2f}", out
    for reply in replies:  # the misses, and only they, are printed
        assert (repr(reply["text"]) in out) is (not reply["ok"]), out
