"""Intent quality on held-out NLU data the model never trained on (bench/nlu.py prints more)."""

from __future__ import annotations

import pytest

from bench.nlu import evaluate

pytestmark = pytest.mark.slow


def test_held_out_macro_f1_is_above_threshold(tmp_path):
    figures = evaluate(tmp_path)
    assert figures["examples_held_out"] >= 500
    # measured 0.914 macro F1 at the time of writing; the test leaves a small margin
    assert figures["macro_f1"] >= 0.88, figures
    assert figures["accuracy"] >= 0.88, figures
