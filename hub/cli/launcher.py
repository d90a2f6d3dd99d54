"""Start and stop the processes the product needs: Mongo-wire server, Radicale (CalDAV), Rasa, action server, hub.

Used by ``kcc run`` and by the test suite (tests start the same processes on free ports).
Every process runs in its own process group, so stopping it stops its children too.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hub.core.settings import ROOT

VENV_BIN = Path(sys.executable).parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A free port *below* the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` comes from the same range as the source
    ports of outgoing connections, so between choosing a port and a server binding it, any
    client connection may take it. Below that range only listening servers compete.
    """
    low, _ = _ephemeral_range()
    lowest = max(1024, low - 12_000)
    for _ in range(200):
        port = random.randint(lowest, low - 1)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # a crowded machine: let the kernel choose
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback only
                return resp.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    return check


@dataclass
class Service:
    name: str
    argv: list[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    timeout_s: float = 120.0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv built here
            self.argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if self.ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {self.timeout_s:.0f}s; see {self.log_path}")

    def launch(self) -> Service:
        """Start and wait until ready; a service that never gets ready is stopped again."""
        self.start()
        try:
            self.wait_ready()
        except Exception:
            self.stop()
            raise
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self.running():
            return
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass


def mongo(port: int, storage: Path, log_dir: Path) -> Service:
    storage.mkdir(parents=True, exist_ok=True)
    return Service(
        "mongo",
        [str(VENV_BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
         "--storage-path", str(storage), "--log-level", "WARNING"],
        ready=lambda: port_open(port),
        log_path=log_dir / "mongo.log",
        timeout_s=60,
    )


def radicale(port: int, storage: Path, log_dir: Path) -> Service:
    """Radicale, a real CalDAV server, for the appointment calendars when ``KCC_CALDAV_URL`` is empty.

    Loopback only and without log-in (any user name is accepted): it is the local stand-in for
    the municipality's own CalDAV server, which does check passwords.
    """
    storage.mkdir(parents=True, exist_ok=True)
    return Service(
        "caldav",
        [str(VENV_BIN / "python"), "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--storage-filesystem-folder", str(storage), "--auth-type", "none", "--logging-level", "warning"],
        ready=lambda: port_open(port),
        log_path=log_dir / "caldav.log",
        timeout_s=60,
    )


def actions(port: int, env: dict[str, str], log_dir: Path) -> Service:
    return Service(
        "actions",
        [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "bot.actions",
         "--port", str(port), "--cors", "http://127.0.0.1"],
        ready=http_ok(f"http://127.0.0.1:{port}/health"),
        env=env,
        log_path=log_dir / "actions.log",
        timeout_s=90,
    )


def rasa(port: int, actions_port: int, model: Path, log_dir: Path) -> Service:
    endpoints = log_dir / f"endpoints-{port}.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    return Service(
        "rasa",
        [str(RASA_BIN), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port),
         "--model", str(model), "--endpoints", str(endpoints)],
        ready=rasa_ready(port),
        env={"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        log_path=log_dir / "rasa.log",
        timeout_s=240,
    )


def rasa_ready(port: int) -> Callable[[], bool]:
    check = http_ok(f"http://127.0.0.1:{port}/status")

    def ready() -> bool:
        if not check():
            return False
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1) as resp:  # noqa: S310
            return b"model_file" in resp.read()

    return ready


def hub(port: int, env: dict[str, str], log_dir: Path) -> Service:
    return Service(
        "hub",
        [str(VENV_BIN / "python"), "-m", "hub.cli.main", "serve"],
        ready=http_ok(f"http://127.0.0.1:{port}/readyz"),
        # motor runs blocking pymongo calls on a thread pool (default 5 per core): 200 residents
        # and 20 consoles at once queue behind 10 threads, so the hub gets more (see bench/handover.py).
        env={"MOTOR_MAX_WORKERS": "64", **env, "KCC_PORT": str(port)},
        log_path=log_dir / "hub.log",
        timeout_s=120,
    )


def model_path(model_dir: Path) -> Path:
    return model_dir / "kcc.tar.gz"
