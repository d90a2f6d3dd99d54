"""What changed between two versions of an article, per field, for a side-by-side view.

Each changed field has ``before``/``after``, the line diff (``+``/``-``/`` `` prefixed, as
before) and ``rows``: pairs of lines to show next to each other, old on the left and new on
the right. A changed line is cut into pieces (``{"text", "changed"}``) so the page can mark
the words that differ, not just the whole line.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import Any

from knowledge.models import CONTENT_FIELDS, as_utc

DIFF_FIELDS = (*CONTENT_FIELDS, "status")
_TOKEN = re.compile(r"\s+|[^\s]+")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _pieces(tokens: list[str], spans: list[tuple[int, int, bool]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start, end, changed in spans:
        text = "".join(tokens[start:end])
        if not text:
            continue
        if out and out[-1]["changed"] == changed:
            out[-1]["text"] += text
        else:
            out.append({"text": text, "changed": changed})
    return out


def word_diff(old: str, new: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The two lines cut into pieces, ``changed`` where the words differ."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left: list[tuple[int, int, bool]] = []
    right: list[tuple[int, int, bool]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left.append((i1, i2, tag != "equal"))
        right.append((j1, j2, tag != "equal"))
    return _pieces(a, left), _pieces(b, right)


def side_by_side(before: str, after: str) -> list[dict[str, Any]]:
    """Rows ``{"kind": same|changed|removed|added, "left": pieces|None, "right": pieces|None}``."""
    old, new = before.splitlines(), after.splitlines()
    rows: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [{"kind": "same", "left": [{"text": line, "changed": False}],
                      "right": [{"text": line, "changed": False}]} for line in old[i1:i2]]
            continue
        lefts, rights = old[i1:i2], new[j1:j2]
        for k in range(max(len(lefts), len(rights))):
            left = lefts[k] if k < len(lefts) else None
            right = rights[k] if k < len(rights) else None
            if left is not None and right is not None:
                pieces_left, pieces_right = word_diff(left, right)
                rows.append({"kind": "changed", "left": pieces_left, "right": pieces_right})
            elif left is not None:
                rows.append({"kind": "removed", "left": [{"text": left, "changed": True}], "right": None})
            else:
                rows.append({"kind": "added", "left": None, "right": [{"text": right, "changed": True}]})
    return rows


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-field differences: before, after, a line diff and the side-by-side rows."""
    changes = []
    for field in DIFF_FIELDS:
        before, after = _as_text(old.get(field)), _as_text(new.get(field))
        if before == after:
            continue
        lines = [
            line
            for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if not line.startswith("?")
        ]
        changes.append(
            {"field": field, "before": before, "after": after, "diff": lines, "rows": side_by_side(before, after)}
        )
    return changes
