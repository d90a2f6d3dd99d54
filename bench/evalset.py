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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.core.models import Action

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "bench" / "eval"
README = EVAL_DIR / "README.md"
LEGACY = ROOT / "knowledge" / "eval" / "questions.jsonl"
ARTICLES = ROOT / "knowledge" / "content" / "articles"
STYLES = ("keywords", "typos", "formal", "b1", "colloquial", "english", "story", "place_date")
LEGACY_STYLE = "legacy"
KINDS = ("topic", "action")
SPLITS = ("dev", "test")


class Expect(BaseModel):
    """What the resident should get: an accepted article (``meta.article``) or step (``meta.action``)."""

    model_config = ConfigDict(extra="forbid")
    article: list[str] = Field(default_factory=list)
    action: list[Action] = Field(default_factory=list)


class Item(BaseModel):
    """One evaluation message (the format of ``bench/eval/README.md``)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(pattern=r"\S")
    style: str = Field(min_length=1)
    kind: Literal["topic", "action"]
    expect: Expect

    @model_validator(mode="after")
    def _expectation_fits_the_kind(self) -> Item:
        if self.kind == "topic" and not self.expect.article:
            raise ValueError("a topic item needs expect.article")
        if self.kind == "action" and (not self.expect.action or self.expect.article or "answer" in self.expect.action):
            raise ValueError("an action item needs expect.action, without articles or 'answer'")
        unknown = [slug for slug in self.expect.article if not (ARTICLES / f"{slug}.yaml").is_file()]
        if unknown:
            raise ValueError(f"no such article in knowledge/content/articles: {unknown}")
        return self


def checked(items: list[dict[str, Any]], source: str, show_text: bool = True) -> list[dict[str, Any]]:
    """The items, each checked against ``Item``; a clear error names the line (and the text, unless locked)."""
    for number, item in enumerate(items, 1):
        try:
            Item.model_validate(item)
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors())
            text = f" ({item.get('text')!r})" if show_text and isinstance(item, dict) else ""
            raise ValueError(f"{source} item {number}{text}: {problem}") from None
    return items


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
    """The items of one split, checked; dev includes the legacy questions unless ``legacy`` is false.

    A name that is not a split is a path: an evaluation file of one's own in the same format
    (for example messages the project has never seen), loaded and checked the same way.
    """
    path = path_of(split) if split in SPLITS else Path(split)
    if not path.is_file():
        raise ValueError(f"no evaluation file {path}")
    items = checked(read_jsonl(path), path.name, show_text=split != "test")
    if split == "dev" and legacy:
        items += legacy_items()
    return items


def splits(choice: str, files: list[str] | None = None) -> list[str]:
    """``dev``, ``test`` or ``both`` (or none: ``""``) as a list of split names, then the extra files."""
    names = list(SPLITS) if choice == "both" else [path_of(choice).stem] if choice else []
    return [*names, *(files or [])]


def label(split: str) -> str:
    """How a split is named in a report: DEV, TEST, or the file's name."""
    return split.upper() if split in SPLITS else Path(split).name


def styles_in(items: list[dict[str, Any]]) -> list[str]:
    """The styles of these items: the documented ones in their order, then any others (a file of one's own)."""
    seen = {item["style"] for item in items}
    known = [*STYLES, LEGACY_STYLE]
    return [s for s in known if s in seen] + sorted(seen - set(known))


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
