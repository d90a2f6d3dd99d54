"""`kcc kb import|export|reindex` as a real subprocess against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.core.settings import ROOT
from tests.knowledge.conftest import unique_slug


def kcc(stack, *args: str) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    env = {**os.environ, **stack.env()}
    env.pop("KCC_ELASTICSEARCH_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", ["import", "export", "reindex"])
def test_help(stack, command: str) -> None:  # noqa: ANN001
    result = kcc(stack, "kb", command, "--help")
    assert result.returncode == 0 and "usage: kcc kb " + command in result.stdout


def test_import_reports_bad_records_and_exit_status(stack, tmp_path: Path) -> None:  # noqa: ANN001
    good, bad = unique_slug(), unique_slug()
    path = tmp_path / "import.yaml"
    path.write_text(
        f"- slug: {good}\n  title: Goed via de CLI\n  answer: Dit is goed.\n  status: published\n"
        f"- slug: {bad}\n  title: Fout via de CLI\n  answer: Dit is fout.\n  status: klaar\n",
        encoding="utf-8",
    )
    result = kcc(stack, "kb", "import", str(path))
    assert result.returncode == 1, result.stderr
    assert "imported 1 records (1 new" in result.stdout
    assert f"{path}:8: status:" in result.stderr
    assert "100%" in result.stderr  # the progress bar ran to the end


def test_export_and_reindex(stack, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "export"
    result = kcc(stack, "kb", "export", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "articles" / "paspoort-aanvragen.yaml").exists() and (
        out / "synonyms.yaml"
    ).exists()
    vac = tmp_path / "vac.json"
    result = kcc(
        stack, "kb", "export", str(vac), "--format", "vac", "--base-url", "https://kcc.example.nl"
    )
    assert result.returncode == 0, result.stderr
    objects = json.loads(vac.read_text(encoding="utf-8"))
    assert objects and all(
        o["record"]["data"]["vraag"] and o["record"]["data"]["antwoord"] for o in objects
    )
    result = kcc(stack, "kb", "reindex")
    assert result.returncode == 0, result.stderr
    assert "indexed" in result.stdout and "tantivy" in result.stdout
