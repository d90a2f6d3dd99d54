"""Run a short script in Rasa's own venv (`.venv-rasa`) and read the JSON its last line prints.

The bot's custom Rasa components import Rasa, which lives only in that venv; their tests drive them
through this one helper.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from hub.cli import launcher
from hub.core.settings import ROOT


def run_json(script: str, timeout: float = 300) -> Any:
    """The JSON value printed on the last line of ``script`` run by the Rasa venv's Python."""
    python = launcher.RASA_BIN.parent / "python"
    proc = subprocess.run(  # noqa: S603
        [str(python), "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
