"""NLU figures on a held-out split of the bot's own NLU data (never trained on).

Trains a model on 80% of the examples (``bot.nlu_split``), runs ``rasa test nlu`` on the
other 20% and prints intent accuracy, macro F1 and the confusion pairs that cost most.
With ``--latency`` it also starts the real stack and measures the end-to-end reply time
of the web chat API.

    .venv/bin/python bench/nlu.py [--latency N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bot.nlu_split import split  # noqa: E402
from hub.cli import launcher  # noqa: E402

ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def evaluate(work: Path) -> dict:
    """Train on the split and evaluate on the held-out part; returns the figures."""
    train_dir, test_path, n_test = split(work)
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [str(launcher.RASA_BIN), "train", "nlu", "--config", "bot/config.yml", "--nlu", str(train_dir / "nlu"),
         "--out", str(work / "models"), "--fixed-model-name", "holdout", "--quiet"],
        cwd=ROOT, env=ENV, check=True, capture_output=True,
    )
    train_s = time.monotonic() - started
    subprocess.run(  # noqa: S603
        [str(launcher.RASA_BIN), "test", "nlu", "--model", str(work / "models" / "holdout.tar.gz"),
         "--nlu", str(test_path), "--out", str(work / "results"), "--no-plot", "--quiet"],
        cwd=ROOT, env=ENV, check=True, capture_output=True,
    )
    report = json.loads((work / "results" / "intent_report.json").read_text())
    errors = json.loads((work / "results" / "intent_errors.json").read_text()) if (work / "results" / "intent_errors.json").exists() else []
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    return {
        "examples_held_out": n_test,
        "accuracy": report["accuracy"],
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "train_seconds": round(train_s, 1),
        "worst_pairs": pairs.most_common(8),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=int, default=0, help="also measure N web chat replies end to end")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = evaluate(Path(tmp))
    print(f"held-out examples : {figures['examples_held_out']}")
    print(f"intent accuracy   : {figures['accuracy']:.3f}")
    print(f"macro F1          : {figures['macro_f1']:.3f}")
    print(f"weighted F1       : {figures['weighted_f1']:.3f}")
    print(f"training time     : {figures['train_seconds']} s (80% of the data)")
    print("costliest confusions (true -> predicted: count):")
    for (true, pred), n in figures["worst_pairs"]:
        print(f"  {true} -> {pred}: {n}")
    if args.latency:
        from bench.latency import webchat_latency

        webchat_latency(args.latency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
