"""The package a container installs is complete: the wheel holds every file the product reads,
and `kcc serve` from a fresh venv with only that wheel serves the pages, the widget and the content.

The images (docker/) install this wheel, so what runs there is what this test started. The
fresh venv lives outside the repository and the hub runs with its working directory there,
so nothing of the checkout can stand in for a missing file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from hub.cli import launcher
from hub.core.settings import ROOT

pytestmark = pytest.mark.slow

# Files the running product reads besides Python modules (one of each kind is enough to catch a pattern gone wrong).
MUST_SHIP = [
    "hub/web/static/chat.html", "hub/web/static/widget.js", "hub/web/static/login.html", "hub/stats/dashboard/index.html",
    "handover/static/console.js", "knowledge/static/editor.html", "knowledge/content/articles/paspoort-aanvragen.yaml",
    "knowledge/content/products/paspoort.yaml", "knowledge/jargon.txt", "knowledge/search/english.tsv",
    "channels/webchat_openers.yaml", "bot/config.yml", "bot/domain/core.yml",
    "hub/web/nlds/base.css", "hub/web/nlds/widget.css", "hub/web/nlds/theme/theme.json", "hub/web/nlds/theme/logo.svg",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
                   check=True, timeout=600)
    return next(out.glob("kcc_hub-*.whl"))


def test_the_wheel_holds_every_file_the_product_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in MUST_SHIP if f not in names]
    assert missing == [], f"not in the wheel: {missing}"
    articles = [n for n in names if n.startswith("knowledge/content/articles/")]
    assert len(articles) == len(list((ROOT / "knowledge" / "content" / "articles").glob("*.yaml")))


@pytest.fixture(scope="module")
def installed_hub(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("installed")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    print(f"installing {wheel.name} and its dependencies into {venv} ...", flush=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=1200)
    mongo_port, port = launcher.free_port(), launcher.free_port()
    mongo = launcher.mongo(mongo_port, home / "mongo", home).launch()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "KCC_PORT": str(port),
        "KCC_MONGO_PORT": str(mongo_port), "KCC_DATA_DIR": str(home / "var"),
        "KCC_PUBLIC_URL": f"http://127.0.0.1:{port}", "KCC_RASA_URL": "http://127.0.0.1:9",
        "KCC_ACTIONS_URL": "http://127.0.0.1:9", "KCC_LOG_LEVEL": "WARNING",
    }
    log = open(home / "hub.log", "wb")  # noqa: SIM115 - closed below
    hub = subprocess.Popen([str(venv / "bin" / "kcc"), "serve"], cwd=home, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ready, deadline = launcher.http_ok(f"http://127.0.0.1:{port}/readyz"), time.monotonic() + 120
        while not ready():
            log_tail = (home / "hub.log").read_text(errors="replace")[-3000:]
            assert hub.poll() is None, f"kcc serve from the wheel exited:\n{log_tail}"
            assert time.monotonic() < deadline, f"kcc serve from the wheel not ready:\n{log_tail}"
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(hub.pid, 15)
        hub.wait(timeout=30)
        log.close()
        mongo.stop()


async def test_kcc_serve_from_the_wheel_serves_pages_widget_and_content(installed_hub: str) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/chat", "/login", "/static/widget.js", "/console/static/console.js", "/editor/static/editor.js",
                     "/dashboard/static/dashboard.js", "/static/nlds/theme.css", "/static/nlds/base.css", "/static/nlds/widget.css"):
            async with http.get(installed_hub + path) as resp:
                assert resp.status == 200, (path, resp.status)
                assert len(await resp.read()) > 200, path
        async with http.get(f"{installed_hub}/console", allow_redirects=False) as resp:
            assert resp.status == 302
        async with http.get(f"{installed_hub}/api/v1/knowledge/search", params={"q": "paspoort aanvragen"}) as resp:
            body = await resp.json()
            assert resp.status == 200, body
            assert body["hits"] and body["hits"][0]["slug"] == "paspoort-aanvragen", body
