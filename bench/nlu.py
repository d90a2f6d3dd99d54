"""NLU figures: what residents get end to end on the evaluation sets, and the classifier alone.

1. End to end (bench/eval, see its README): starts the real stack (bench/stack.py) with a copy of
   the current model, sends every item of the dev and/or test set as the first message of a fresh
   web chat session, and compares the reply's ``meta.action`` / ``meta.article`` with the item's
   expectation. Figures per split, per style and per kind, next to the classifier-only figure on
   the same texts (Rasa's ``/model/parse``). Dev prints the costliest confusions; test prints
   counts only, unless ``--show-test-misses`` (for a final note, never for tuning).
2. Classifier only, as before: trains a model on 80% of the bot's NLU examples
   (``bot.nlu_split``), runs ``rasa test nlu`` on the other 20% and prints intent accuracy,
   macro F1 and the confusion pairs that cost most.
3. With ``--latency N`` it also measures N web chat reply times on the real stack.

    .venv/bin/python bench/nlu.py [--split dev|test|both|none] [--file PATH] [--show-test-misses] [--no-holdout] [--latency N]

   ``--file PATH`` sends an evaluation file of your own (the bench/eval format, for example
   messages the project has never seen) the same way, reported like the test set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repo, not bench/ (bench/handover.py would shadow the package)

from bench import endtoend, evalset  # noqa: E402
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


def holdout_report() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print("classifier only, held-out 20% of bot/data/nlu (training a model on the other 80% ...)", file=sys.stderr, flush=True)
        figures = evaluate(Path(tmp))
    print("\nCLASSIFIER ONLY on a held-out 20% of the bot's own NLU data")
    print(f"held-out examples : {figures['examples_held_out']}")
    print(f"intent accuracy   : {figures['accuracy']:.3f}")
    print(f"macro F1          : {figures['macro_f1']:.3f}")
    print(f"weighted F1       : {figures['weighted_f1']:.3f}")
    print(f"training time     : {figures['train_seconds']} s (80% of the data)")
    print("costliest confusions (true -> predicted: count):")
    for (true, pred), n in figures["worst_pairs"]:
        print(f"  {true} -> {pred}: {n}")


def model_note(model: Path) -> str:
    stamp = datetime.fromtimestamp(model.stat().st_mtime, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    return f"{model} (written {stamp}, sha256 {digest}...)"


def sets_report(args: argparse.Namespace) -> None:
    """End to end through the web chat API on the evaluation sets, with a snapshot of the model."""
    names = evalset.splits(args.split, args.file)
    items = {name: evalset.load(name)[: args.limit or None] for name in names}
    source = Path(args.model) if args.model else launcher.model_path(ROOT / "var" / "models")
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.tar.gz"
        shutil.copyfile(source, model)  # a retrain during the run must not change the model under test
        print(f"model: {model_note(source)}")
        results = endtoend.run([i for name in names for i in items[name]], args.concurrency, model)
    at = 0
    for name in names:
        endtoend.report(name, results[at : at + len(items[name])], args.show_test_misses)
        for r in results[at : at + len(items[name])]:
            r["split"] = name
        at += len(items[name])
    if args.save:  # every reply, to compare two runs item by item (mind the rule: test items are not for tuning)
        Path(args.save).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["dev", "test", "both", "none"], default="both",
                        help="which evaluation set(s) of bench/eval to send end to end (default both)")
    parser.add_argument("--file", action="append", default=[], metavar="PATH",
                        help="also an evaluation file of your own in the bench/eval format (messages the project "
                        "never saw); reported like the test set; may be given more than once")
    parser.add_argument("--show-test-misses", action="store_true",
                        help="also print the test set's confusions and misses (for a final note, not for tuning)")
    parser.add_argument("--no-holdout", action="store_true",
                        help="skip the classifier-only figures on the held-out NLU data (saves a training run)")
    parser.add_argument("--no-sets", action="store_true", help="skip the end-to-end run on the evaluation sets")
    parser.add_argument("--limit", type=int, default=0, help="only the first N items of each split (a quick check)")
    parser.add_argument("--save", default=None, help="write every reply's outcome to this JSONL file")
    parser.add_argument("--model", default=None, help="Rasa model file (default var/models/kcc.tar.gz)")
    parser.add_argument("--concurrency", type=int, default=2, help="messages in flight at once (default 2)")
    parser.add_argument("--latency", type=int, default=0, help="also measure N web chat replies end to end")
    args = parser.parse_args()
    args.split = "" if args.split == "none" else args.split
    if not args.no_sets and (args.split or args.file):
        sets_report(args)
    if not args.no_holdout:
        holdout_report()
    if args.latency:
        from bench.latency import webchat_latency

        webchat_latency(args.latency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
