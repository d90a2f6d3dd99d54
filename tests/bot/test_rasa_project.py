"""The Rasa project itself: data validation and test stories, with Rasa's own commands."""

from __future__ import annotations

import os
import subprocess
import sys

from hub.cli import launcher
from hub.core.settings import ROOT

RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(launcher.RASA_BIN), *args], cwd=ROOT, env=RASA_ENV, capture_output=True, text=True, timeout=timeout
    )


def test_generated_files_are_current():
    proc = subprocess.run([sys.executable, "-m", "bot.generate", "--check"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rasa_data_validate():
    proc = rasa("data", "validate", "--config", "bot/config.yml", "--domain", "bot/domain", "--data", "bot/data")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_rasa_test_stories(tmp_path):
    model = launcher.model_path(ROOT / "var" / "models")
    assert model.exists(), "run `make setup` first: no trained model"
    proc = rasa(
        "test", "core", "--model", str(model), "--stories", "bot/tests",
        "--out", str(tmp_path), "--fail-on-prediction-errors",
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
