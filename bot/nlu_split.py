"""Deterministic held-out split of the NLU data, for the NLU bench and the accuracy test.

Every fifth example of each intent (by position) is held out; the rest trains a model
that never sees them. Regexes, lookup tables and synonyms go with the training part.
"""

from __future__ import annotations

from pathlib import Path

import yaml

BOT = Path(__file__).resolve().parent
HOLDOUT_EVERY = 5


def _examples(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("- ")]


def split(out_dir: Path) -> tuple[Path, Path, int]:
    """Write ``train/`` (a copy of bot/data with the held-out examples removed) and ``test.yml``."""
    train_dir = out_dir / "train"
    (train_dir / "nlu").mkdir(parents=True, exist_ok=True)
    held: list[dict[str, str]] = []
    for path in sorted((BOT / "data" / "nlu").glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        kept_items = []
        for item in doc.get("nlu", []):
            if "intent" not in item:
                kept_items.append(item)
                continue
            examples = _examples(item["examples"])
            test = [e for i, e in enumerate(examples) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
            train = [e for i, e in enumerate(examples) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
            kept_items.append({"intent": item["intent"], "examples": "".join(f"- {e}\n" for e in train)})
            if test:
                held.append({"intent": item["intent"], "examples": "".join(f"- {e}\n" for e in test)})
        (train_dir / "nlu" / path.name).write_text(
            yaml.safe_dump({"version": "3.1", "nlu": kept_items}, allow_unicode=True, sort_keys=False)
        )
    for extra in ("rules.yml", "rules_topics.yml", "stories.yml", "forms.yml"):
        src = BOT / "data" / extra
        if src.exists():
            (train_dir / extra).write_text(src.read_text())
    test_path = out_dir / "test.yml"
    test_path.write_text(yaml.safe_dump({"version": "3.1", "nlu": held}, allow_unicode=True, sort_keys=False))
    return train_dir, test_path, sum(len(_examples(h["examples"])) for h in held)
