"""The evaluation sets of bench/eval: the test set is locked, and both sets keep their schema.

Light: no services. The lock fails when ``bench/eval/test.jsonl`` changes and the SHA-256 in
``bench/eval/README.md`` does not; the schema checks make sure every expectation is something the
system can actually produce (an existing article, a ``meta.action`` the hub can emit).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import get_args

import pytest
import yaml

from bench import evalset
from hub.core.models import Action
from hub.core.settings import ROOT

ACTIONS = set(get_args(Action))
SLUGS = {p.stem for p in evalset.ARTICLES.glob("*.yaml")}


def test_the_test_set_is_the_one_recorded_in_the_readme():
    recorded = evalset.recorded_sha256()
    assert recorded, "bench/eval/README.md must record the test set's sha256"
    assert evalset.sha256(evalset.path_of("test")) == recorded, (
        "bench/eval/test.jsonl changed: the test set is locked (see bench/eval/README.md for when a change "
        "is allowed, and record the new sha256 there)"
    )


@pytest.mark.parametrize("split", evalset.SPLITS)
def test_every_item_has_the_documented_schema(split):
    assert SLUGS, "no articles found in knowledge/content/articles"
    items = evalset.load(split, legacy=False)  # checked against evalset.Item (the locked set's text is never shown)
    for n, item in enumerate(items, 1):
        assert item["style"] in evalset.STYLES, f"{split}.jsonl item {n}: style {item['style']!r}"


def test_an_evaluation_file_of_ones_own_is_checked_with_a_clear_error(tmp_path):
    good = tmp_path / "unseen.jsonl"
    good.write_text(
        '{"text": "paspoort kwijt", "style": "kort", "kind": "topic", "expect": {"article": ["reisdocument-kwijt"]}}\n'
        '{"text": "bel me terug", "style": "kort", "kind": "action", "expect": {"action": ["callback"]}}\n',
        encoding="utf-8",
    )
    items = evalset.load(str(good))
    assert [i["kind"] for i in items] == ["topic", "action"]
    assert evalset.styles_in(items) == ["kort"] and evalset.label(str(good)) == "unseen.jsonl"
    assert evalset.splits("", [str(good)]) == [str(good)] and evalset.splits("test") == ["test"]
    bad_lines = {
        '{"text": "x", "style": "b1", "kind": "topic", "expect": {"article": ["no-such-article"]}}': "no such article",
        '{"text": "x", "style": "b1", "kind": "action", "expect": {"action": ["teleport"]}}': "expect.action",
        '{"text": "x", "style": "b1", "kind": "action", "expect": {"action": ["answer"]}}': "without articles",
        '{"text": " ", "style": "b1", "kind": "topic", "expect": {"article": ["paspoort-aanvragen"]}}': "text",
        '{"text": "x", "style": "b1", "kind": "topic", "expect": {}, "extra": 1}': "extra",
    }
    for line, problem in bad_lines.items():
        bad = tmp_path / "bad.jsonl"
        bad.write_text(good.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=rf"bad\.jsonl item 3 .*{problem}"):
            evalset.load(str(bad))
    with pytest.raises(ValueError, match="no evaluation file"):
        evalset.load(str(tmp_path / "missing.jsonl"))


def test_the_legacy_questions_are_part_of_dev_with_existing_articles():
    legacy = evalset.legacy_items()
    assert len(legacy) >= 200
    assert all(item["expect"]["article"][0] in SLUGS for item in legacy)
    assert all(a in ACTIONS for item in legacy for a in item["expect"].get("action", []))
    assert len(evalset.load("dev")) == len(evalset.load("dev", legacy=False)) + len(legacy)


def test_counts_are_as_documented_and_large_enough():
    recorded = evalset.recorded_counts()
    actual = Counter()
    for split in evalset.SPLITS:
        for item in evalset.load(split):
            actual[(split, item["style"], item["kind"])] += 1
    assert {k: v for k, v in recorded.items() if v} == dict(actual), "update the counts table in bench/eval/README.md"
    test = evalset.load("test")
    kinds = Counter(item["kind"] for item in test)
    assert len(test) >= 320 and kinds["topic"] >= 230 and kinds["action"] >= 90
    styles = Counter(item["style"] for item in test)
    assert set(styles) == set(evalset.STYLES) and min(styles.values()) >= 25, styles
    dev_new = evalset.load("dev", legacy=False)
    assert len(dev_new) >= 0.85 * len(test)


def test_sets_cover_many_articles_and_share_no_sentence():
    test, dev = evalset.load("test"), evalset.load("dev")
    for items in (test, evalset.load("dev", legacy=False)):
        covered = {slug for item in items for slug in item["expect"].get("article", [])}
        assert len(covered) >= 0.9 * len(SLUGS), sorted(SLUGS - covered)
    norm = lambda s: " ".join(s.lower().split())  # noqa: E731
    test_texts = [norm(item["text"]) for item in test]
    # counts and line numbers only: pytest would print both sets of sentences on a failed comparison
    twice = len(test_texts) - len(set(test_texts))
    assert twice == 0, f"{twice} sentence(s) occur twice in the test set"
    dev_texts = {norm(item["text"]) for item in dev}
    shared = [n for n, text in enumerate(test_texts, 1) if text in dev_texts]
    assert not shared, f"test and dev share a sentence: test.jsonl lines {shared}"


def _training_examples() -> list[str]:
    """Every NLU training example of the bot (entity annotations removed)."""
    found = []
    for path in sorted((ROOT / "bot" / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            for line in (block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ")
                found.append(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text))
    return [t for t in found if t]


def test_no_training_example_is_an_evaluation_sentence():
    """What the bot learns from must not contain what it is measured on (rule: the test set is never
    a source of training examples; dev sentences learnt verbatim would make the dev figure hollow)."""
    norm = lambda s: " ".join("".join(c for c in s.lower() if c.isalnum() or c.isspace()).split())  # noqa: E731
    examples = {norm(t) for t in _training_examples()}
    assert len(examples) > 1000
    recorded = (ROOT / "bench" / "eval" / "overlap_before_lock.txt").read_text(encoding="utf-8")
    older = {line for line in recorded.splitlines() if line and not line.startswith("#")}
    for split in ("test", "dev"):
        texts = [norm(item["text"]) for item in evalset.load(split, legacy=False)]
        lines = [n for n, text in enumerate(texts, 1) if text in examples and text not in older]
        # the locked set's sentences are never printed, only where they are
        shown = lines if split == "test" else [texts[n - 1] for n in lines[:5]]
        assert not lines, f"{len(lines)} {split} sentence(s) among the training examples: {shown}"
