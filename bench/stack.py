"""Start the real stack (Mongo-wire server, action server, Rasa, hub) for a bench run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hub.cli import launcher
from hub.core.db import embedded_url
from hub.core.settings import ROOT


@dataclass
class BenchStack:
    hub_url: str
    rasa_url: str
    mongo_url: str
    db_name: str
    pids: dict[str, int] = field(default_factory=dict)  # service name -> process id (its process group)


@contextmanager
def running_stack(
    extra_env: dict[str, str] | None = None, with_bot: bool = True, model: Path | None = None
) -> Iterator[BenchStack]:
    """The stack on free ports; ``model`` is the Rasa model file (default var/models/kcc.tar.gz)."""
    tmp = Path(tempfile.mkdtemp(prefix="kcc-bench-"))
    logs = ROOT / "var" / "bench-logs"  # kept after the run (the data folder is not)
    logs.mkdir(parents=True, exist_ok=True)
    ports = {name: launcher.free_port() for name in ("mongo", "actions", "rasa", "hub")}
    env = {
        "KCC_MONGO_PORT": str(ports["mongo"]),
        "KCC_MONGODB_DB": "kcc_bench",
        "KCC_RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "KCC_ACTIONS_URL": f"http://127.0.0.1:{ports['actions']}",
        "KCC_PUBLIC_URL": f"http://127.0.0.1:{ports['hub']}",
        "KCC_LOG_LEVEL": "WARNING",
        "KCC_WEBCHAT_RATE_PER_MINUTE": "0",
        "KCC_RATE_LIMITS_ENABLED": "false",  # benches send far more than one resident or IP may (hub/web/ratelimit.py)
        **(extra_env or {}),
    }
    plan = [launcher.mongo(ports["mongo"], tmp / "mongo", logs)]
    if with_bot:
        plan.append(launcher.actions(ports["actions"], env, logs))
        plan.append(launcher.rasa(ports["rasa"], ports["actions"], model or launcher.model_path(ROOT / "var" / "models"), logs))
    plan.append(launcher.hub(ports["hub"], env, logs))
    started: list[launcher.Service] = []
    try:
        for service in plan:
            service.start()
            started.append(service)
            service.wait_ready()
        yield BenchStack(
            hub_url=f"http://127.0.0.1:{ports['hub']}",
            rasa_url=f"http://127.0.0.1:{ports['rasa']}",
            mongo_url=embedded_url(ports["mongo"]),
            db_name="kcc_bench",
            pids={s.name: s.proc.pid for s in started if s.proc is not None},
        )
    finally:
        print(f"logs of the run: {logs}")
        for service in reversed(started):
            service.stop()
        shutil.rmtree(tmp, ignore_errors=True)
