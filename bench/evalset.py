"""The evaluation sets of bench/eval: loading, the expected outcome of an item, and the README's lock.

``dev`` is ``bench/eval/dev.jsonl`` plus the older search questions of
``knowledge/eval/questions.jsonl`` (style ``legacy``: they were tuned on). ``test`` is the locked
``bench/eval/test.jsonl``; its SHA-256 and the per-style counts are recorded in
``bench/eval/README.md`` (checked by ``tests/bot/test_eval_sets.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "bench" / "eval"
README = EVAL_DIR / "README.md"
LEGACY = ROOT / "knowledge" / "eval" / "questions.jsonl"
ARTICLES = ROOT / "knowledge" / "content" / "articles"
STYLES = ("keywords", "typos", "formal", "b1", "colloquial", "english", "story", "place_date")
LEGACY_STYLE = "legacy"
KINDS = ("topic", "action")
SPLITS = ("dev", "test")


def path_of(split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {SPLITS}")
    return EVAL_DIR / f"{split}.jsonl"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name} line {number}: not JSON ({exc})") from None
    return items


# Like the new items: a question about reporting a problem may also start the report form.
LEGACY_ALSO = {"melding-openbare-ruimte": ["melding"]}


def legacy_items() -> list[dict[str, Any]]:
    """The older search questions as dev items (style ``legacy``)."""
    items = []
    for q in read_jsonl(LEGACY):
        expect: dict[str, list[str]] = {"article": [q["slug"]]}
        if q["slug"] in LEGACY_ALSO:
            expect["action"] = LEGACY_ALSO[q["slug"]]
        items.append({"text": q["q"], "style": LEGACY_STYLE, "kind": "topic", "expect": expect})
    return items


def load(split: str, legacy: bool = True) -> list[dict[str, Any]]:
    """The items of one split; dev includes the legacy questions unless ``legacy`` is false."""
    items = read_jsonl(path_of(split))
    if split == "dev" and legacy:
        items += legacy_items()
    return items


def splits(choice: str) -> list[str]:
    """``dev``, ``test`` or ``both`` as a list of split names."""
    return list(SPLITS) if choice == "both" else [path_of(choice).stem]


def accepted(item: dict[str, Any], action: str | None, article: str | None) -> bool:
    """Did the resident get what the item expects, given the reply's ``meta.action`` and ``meta.article``?"""
    expect = item["expect"]
    if action in expect.get("action", []):
        return True
    return action == "answer" and article in expect.get("article", [])


def expected_label(item: dict[str, Any]) -> str:
    """A short name of what was expected, for confusion tables."""
    expect = item["expect"]
    return expect["article"][0] if item["kind"] == "topic" else "/".join(expect["action"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded_sha256() -> str | None:
    """The test set's SHA-256 as recorded in the README."""
    found = re.search(r"test\.jsonl sha256: `([0-9a-f]{64})`", README.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def recorded_counts() -> dict[tuple[str, str, str], int]:
    """(split, style, kind) -> count, from the README's counts table."""
    counts = {}
    row = re.compile(r"^\| (dev|test) \| (\w+) \| (\d+) \| (\d+) \|$")
    for line in README.read_text(encoding="utf-8").splitlines():
        if m := row.match(line.strip()):
            counts[(m.group(1), m.group(2), "topic")] = int(m.group(3))
            counts[(m.group(1), m.group(2), "action")] = int(m.group(4))
    return counts
