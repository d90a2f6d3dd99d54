"""The compose deployment (docker/) keeps the rules of the scale-out issue.

No Docker daemon is needed: compose.yaml is read with PyYAML and held to the rules; the
proxy's Caddyfile is checked against the hub's own WebSocket routes (and adapted by a real
``caddy`` where one is installed); docker/endpoints.yml is loaded by the installed Rasa 3.6's
own code, which builds its MongoDB tracker store against a Mongo-wire server and its Redis
lock store; docker/mongo-init.js runs under Node against a stand-in ``rs``; and
``docker compose config`` runs where a Compose v2 CLI is installed. Each check that needs a
tool it cannot find skips and says which.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import struct
import subprocess
import textwrap
import threading
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from hub.cli import launcher
from hub.core.settings import ROOT, Settings

DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
CADDYFILE = DOCKER / "Caddyfile"
ENDPOINTS = DOCKER / "endpoints.yml"
MONGO_INIT = DOCKER / "mongo-init.js"
ENV_EXAMPLE = DOCKER / "kcc.env.example"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
ONE_SHOT = {"mongo-init"}  # run to completion once; every other service runs for good
KCC_NAME = re.compile(r"\bKCC_[A-Z0-9_]+\b")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def depends(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


# ---------------------------------------------------------------- Dockerfiles, read as stages
def dockerfile_stages(path: Path) -> dict[str, dict[str, Any]]:
    """Stage name -> {"base": FROM image or stage, "lines": instructions}, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = {"base": match.group(1), "lines": []}
            stages[match.group(2) or f"stage{len(stages)}"] = current
            continue
        assert current is not None, f"{path.name}: an instruction before FROM"
        current["lines"].append(line)
    return stages


def stage_chain(stages: dict[str, dict[str, Any]], target: str) -> list[dict[str, Any]]:
    """The target stage and the stages it is built FROM, target first."""
    chain = [stages[target]]
    while chain[-1]["base"] in stages:
        chain.append(stages[chain[-1]["base"]])
    return chain


def last_instruction(chain: list[dict[str, Any]], keyword: str) -> str | None:
    for stage in chain:
        for line in reversed(stage["lines"]):
            if line.split(maxsplit=1)[0].upper() == keyword:
                return line
    return None


def built_stages(service: dict[str, Any]) -> list[dict[str, Any]] | None:
    build = service.get("build")
    if not build:
        return None
    dockerfile = (DOCKER / build["context"] / build["dockerfile"]).resolve()
    stages = dockerfile_stages(dockerfile)
    return stage_chain(stages, build.get("target") or list(stages)[-1])


# ---------------------------------------------------------------- compose.yaml
def test_every_long_running_service_restarts_and_has_a_healthcheck() -> None:
    for name, service in services().items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", f"{name}: a one-shot service must not be restarted"
            continue
        assert service.get("restart") == "unless-stopped", f"{name}: restart: unless-stopped"
        check = service.get("healthcheck")
        if check is not None:
            assert not check.get("disable") and check.get("test") not in (["NONE"], "NONE"), name
            continue
        chain = built_stages(service)
        assert chain, f"{name}: no healthcheck in compose.yaml and no image of ours to carry one"
        healthcheck = last_instruction(chain, "HEALTHCHECK")
        assert healthcheck and "CMD" in healthcheck, f"{name}: its Dockerfile target has no HEALTHCHECK"


def test_only_the_proxy_is_reachable_from_outside_and_the_hub_scales() -> None:
    published = {name for name, s in services().items() if s.get("ports")}
    assert published == {"proxy"}
    for name in ("hub", "rasa", "actions"):
        service = services()[name]
        assert "container_name" not in service, f"{name}: a fixed container name cannot be scaled"
        assert not service.get("network_mode"), name


HUB_ONLY = {"KCC_TRUSTED_PROXY_HOPS", "KCC_BUS"}  # settings of the web hub that the action server does not use


def test_the_hub_trusts_one_proxy_hop_and_takes_secrets_from_the_env_file() -> None:
    hub, actions = services()["hub"], services()["actions"]
    assert env_of(hub)["KCC_TRUSTED_PROXY_HOPS"] == "1"
    for service in (hub, actions):
        env_files = service.get("env_file")
        assert env_files in ("kcc.env", ["kcc.env"]), env_files
    shared = {k: v for k, v in env_of(hub).items() if k not in HUB_ONLY}
    assert shared == env_of(actions), "the action server runs the hub's code: same settings"
    # the proxy serves the address the hubs believe they are reached at (cookies, webhook signatures)
    assert env_of(services()["proxy"])["KCC_PUBLIC_URL"] == env_of(hub)["KCC_PUBLIC_URL"]
    assert env_of(hub)["KCC_PUBLIC_URL"].startswith("${KCC_PUBLIC_URL:?"), "no silent http://localhost default"


def test_the_hubs_share_live_updates_because_they_scale() -> None:
    """A web chat socket and a console may be on different replicas (the proxy spreads them)."""
    assert env_of(services()["hub"])["KCC_BUS"] == "mongo"
    assert Settings.model_fields["bus"].default == "local", "one process (make run) needs no relay"


def test_the_hub_and_actions_images_are_built_from_the_wheel_and_run_as_a_user() -> None:
    stages = dockerfile_stages(DOCKER / "hub.Dockerfile")
    builds = [name for name, stage in stages.items() if any(re.search(r"pip wheel .*--wheel-dir", line) for line in stage["lines"])]
    assert builds, "a stage builds the wheel"
    for target in ("hub", "actions"):
        chain = stage_chain(stages, target)
        lines = [line for stage in chain for line in stage["lines"]]
        assert any(re.match(rf"COPY --from={builds[0]} ", line) for line in lines), target
        assert any(re.search(r"pip install \S*kcc_hub-\*\.whl", line) for line in lines), target
        assert not any(re.search(r"pip install( -\S+)* \.(\s|$)", line) for line in lines), f"{target}: not from the source tree"
        user = last_instruction(chain, "USER")
        assert user and user.split()[1].split(":")[0] not in ("root", "0"), target
        assert any(re.search(r"KCC_DATA_DIR=/var/lib/kcc", line) for line in lines), target
    assert "/readyz" in (last_instruction(stage_chain(stages, "hub"), "HEALTHCHECK") or "")
    assert "/health" in (last_instruction(stage_chain(stages, "actions"), "HEALTHCHECK") or "")
    for name in ("hub", "actions"):
        assert services()[name]["build"]["target"] == name
        assert "kcc-data:/var/lib/kcc" in services()[name]["volumes"]


def test_the_rasa_image_has_its_own_python_the_pinned_rasa_a_model_and_the_endpoints() -> None:
    [stage] = dockerfile_stages(DOCKER / "rasa.Dockerfile").values()
    assert stage["base"].startswith("python:3.10")
    lines = stage["lines"]
    assert any("rasa==3.6.21" in line and "-c " in line and "constraints" in line for line in lines)
    assert any(line.startswith("RUN rasa train ") for line in lines)
    assert any(re.match(r"COPY .*docker/endpoints\.yml endpoints\.yml$", line) for line in lines)
    cmd = last_instruction([stage], "CMD") or ""
    assert "--endpoints" in cmd and "endpoints.yml" in cmd and "--enable-api" in cmd
    user = last_instruction([stage], "USER")
    assert user and user.split()[1].split(":")[0] not in ("root", "0")


def test_the_replica_set_is_initiated_once_and_the_services_wait_for_a_primary() -> None:
    svc = services()
    members = [name for name, s in svc.items() if "--replSet" in (s.get("command") or [])]
    assert sorted(members) == ["mongo1", "mongo2", "mongo3"]
    for name in members:  # a member's healthcheck only pings; initiating is mongo-init's job
        assert "initiate" not in json.dumps(svc[name]["healthcheck"]), name
    init = svc["mongo-init"]
    assert depends(init) == {name: "service_healthy" for name in members}
    assert any(v.startswith("./mongo-init.js:") for v in init["volumes"])
    assert init["command"][0] == "mongosh" and init["command"][-1].endswith("/mongo-init.js")
    for name in ("hub", "actions", "rasa"):
        assert depends(svc[name]).get("mongo-init") == "service_completed_successfully", name
    url = env_of(svc["hub"])["KCC_MONGODB_URL"]
    assert all(f"{m}:27017" in url for m in members) and "replicaSet=rs0" in url


def test_rasa_keeps_conversations_in_mongodb_and_locks_in_redis() -> None:
    endpoints = yaml.safe_load(ENDPOINTS.read_text())
    assert endpoints["tracker_store"]["type"] == "mongod"
    assert endpoints["lock_store"]["type"] == "redis"
    svc = services()
    rasa_env = env_of(svc["rasa"])
    for var in re.findall(r"\$\{(\w+)\}", ENDPOINTS.read_text()):
        assert var in rasa_env, f"docker/endpoints.yml uses ${{{var}}}; compose does not set it for rasa"
    assert rasa_env["RASA_TRACKER_MONGODB_URL"] == env_of(svc["hub"])["KCC_MONGODB_URL"], "the same replica set"
    assert rasa_env["RASA_LOCK_STORE_REDIS_HOST"] in svc, "the lock store is a service of this compose file"
    assert depends(svc["rasa"]).get(rasa_env["RASA_LOCK_STORE_REDIS_HOST"]) == "service_healthy"
    assert "actions:5055" in endpoints["action_endpoint"]["url"]


def test_elasticsearch_is_optional() -> None:
    svc = services()
    assert svc["elasticsearch"].get("profiles"), "Tantivy is the default: Elasticsearch only with its profile"
    for name, service in svc.items():
        if not service.get("profiles"):
            assert "elasticsearch" not in depends(service), f"{name} would pull in the optional Elasticsearch"
            assert "KCC_ELASTICSEARCH_URL" not in env_of(service), f"{name}: set it in kcc.env with the profile"


def test_the_appointment_calendars_run_beside_the_hubs_and_can_be_replaced() -> None:
    """Radicale from the hub's own image, internal only; KCC_CALDAV_URL in docker/.env points elsewhere."""
    svc = services()
    calendar = svc["calendar"]
    assert calendar["build"]["target"] == "calendar" and not calendar.get("ports")
    assert any(v.startswith("calendars:") for v in calendar["volumes"]), "bookings survive a restart"
    command = last_instruction(built_stages(calendar), "CMD")
    assert "radicale" in command and "/var/lib/kcc/radicale" in command
    for name in ("hub", "actions"):
        env = env_of(svc[name])
        assert env["KCC_CALDAV_URL"] == "${KCC_CALDAV_URL:-http://calendar:5232/}", name
        assert "calendar" in depends(svc[name]), name


def test_every_kcc_variable_of_the_deployment_is_a_setting() -> None:
    known = {f"KCC_{name.upper()}" for name in Settings.model_fields}
    files = [COMPOSE, ENV_EXAMPLE, CADDYFILE, DOCKER / "hub.Dockerfile", DOCKER / "rasa.Dockerfile"]
    used = {path.name: set(KCC_NAME.findall(path.read_text())) for path in files}
    unknown = {name: sorted(found - known) for name, found in used.items()}
    assert all(not names for names in unknown.values()), f"not in hub/core/settings.py: {unknown}"
    assert len(used["kcc.env.example"]) > 30, "the example lists the channel secrets"


def test_the_env_file_example_sets_nothing_compose_overrides_and_nothing_empty() -> None:
    set_by_compose = set(env_of(services()["hub"]))
    for number, line in enumerate(ENV_EXAMPLE.read_text().splitlines(), 1):
        name = line.lstrip("# ").split("=", 1)[0]
        if KCC_NAME.fullmatch(name):
            assert name not in set_by_compose, f"line {number}: {name} is set by compose.yaml, so kcc.env's would be ignored"
        if line and not line.startswith("#"):
            assert re.fullmatch(r"KCC_[A-Z0-9_]+=\S.*", line), f"line {number}: an active line with an empty value: {line}"
    for secret in ("KCC_TWILIO_AUTH_TOKEN", "KCC_TELEGRAM_BOT_TOKEN", "KCC_META_APP_SECRET", "KCC_SLACK_SIGNING_SECRET",
                   "KCC_SMTP_RELAY_PASSWORD", "KCC_IMAP_PASSWORD", "KCC_IDENTITY_JWT_KEY", "KCC_OIDC_CLIENT_SECRET"):
        assert secret in ENV_EXAMPLE.read_text(), secret


def test_secrets_stay_out_of_git_and_out_of_the_build_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv/", ".venv-rasa/", "var/", ".git/", "docker/kcc.env", "**/__pycache__/", ".pytest_cache/"):
        assert entry in ignored, entry
    assert "kcc.env" in (DOCKER / ".gitignore").read_text().split()


# ---------------------------------------------------------------- the proxy
def hub_websocket_routes() -> list[str]:
    from hub.core.appkeys import DB
    from hub.web.app import create_app

    app = create_app(Settings(_env_file=None, mongodb_url="mongodb://127.0.0.1:9/"))  # no connection is made
    try:
        paths = {route.resource.canonical for route in app.router.routes() if route.resource is not None}
    finally:
        app[DB].client.close()
    return sorted(p for p in paths if p.endswith("/ws"))


def caddy_websocket_pattern() -> re.Pattern[str]:
    found = re.findall(r"^\s*@(\w+)\s+path_regexp\s+\w+\s+(\S+)\s*$", CADDYFILE.read_text(), re.MULTILINE)
    assert len(found) == 1, f"one path_regexp matcher for the WebSockets: {found}"
    return re.compile(found[0][1])


def caddy_blocks() -> dict[str, str]:
    """``handle [@matcher]`` -> the text of its block."""
    text, blocks = CADDYFILE.read_text(), {}
    for match in re.finditer(r"^\s*handle\s*(@\w+)?\s*\{", text, re.MULTILINE):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        blocks[match.group(1) or ""] = text[match.end():i - 1]
    return blocks


def test_the_proxy_routes_every_websocket_of_the_hub_to_the_hubs() -> None:
    routes = hub_websocket_routes()
    assert "/api/v1/handover/ws" in routes and "/api/v1/webchat/conversations/{id}/ws" in routes, routes
    pattern = caddy_websocket_pattern()
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "2b7f0c1e9d8a4f3b", route)
        assert pattern.match(path), f"{path} is not routed as a WebSocket"
    for path in ("/api/v1/webchat/messages", "/api/v1/webchat/conversations/x/messages", "/api/v1/handover/queue",
                 "/api/v1/webchat/conversations/x/y/ws"):
        assert not pattern.match(path), path
    blocks = caddy_blocks()
    assert set(blocks) == {"@websockets", ""}, blocks.keys()
    hub_port = re.search(r"KCC_PORT=(\d+)", (DOCKER / "hub.Dockerfile").read_text()).group(1)
    for block in blocks.values():
        assert re.search(rf"dynamic a hub {hub_port}\b", block), "every replica of the service `hub`, on its port"
    assert "encode" not in blocks["@websockets"], "the WebSocket handshake goes through untouched"
    assert "{$KCC_PUBLIC_URL}" in CADDYFILE.read_text(), "the proxy serves (and gets a certificate for) the public URL"


def test_caddy_adapts_the_caddyfile_as_meant() -> None:
    caddy = shutil.which("caddy")
    if not caddy:
        pytest.skip("no `caddy` CLI here (Debian: apt-get install caddy); the Caddyfile was checked as text only")
    done = subprocess.run([caddy, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                          capture_output=True, text=True, timeout=60,
                          env={"KCC_PUBLIC_URL": "https://kcc.lindewaard.nl", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    server = json.loads(done.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"], "TLS ends at the proxy"
    [site] = server["routes"]
    assert site["match"] == [{"host": ["kcc.lindewaard.nl"]}]
    handlers: list[tuple[str | None, dict[str, Any]]] = []

    def walk(routes: list[dict[str, Any]], pattern: str | None) -> None:
        for route in routes:
            found = [m["path_regexp"]["pattern"] for m in route.get("match", []) if "path_regexp" in m]
            for handler in route.get("handle", []):
                if handler["handler"] == "subroute":
                    walk(handler["routes"], found[0] if found else pattern)
                elif handler["handler"] == "reverse_proxy":
                    handlers.append((found[0] if found else pattern, handler))

    walk(site["handle"][0]["routes"], None)
    assert [p for p, _ in handlers] == [caddy_websocket_pattern().pattern, None], "WebSockets first, then the rest"
    for _, handler in handlers:
        assert handler["dynamic_upstreams"] == {"source": "a", "name": "hub", "port": "8080", "refresh": 5_000_000_000}
    assert handlers[0][1]["load_balancing"]["selection_policy"]["policy"] == "least_conn"


# ---------------------------------------------------------------- Rasa's endpoints, by Rasa's own code
RASA_PROBE = textwrap.dedent("""
    import asyncio, json, sys
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
    lock = LockStore.create(endpoints.lock_store)  # redis connects on first use: no server needed here
    pool = lock.red.connection_pool.connection_kwargs
    out = {"action_url": endpoints.action.url, "lock_store": type(lock).__name__,
           "lock_redis": [pool.get("host"), pool.get("port"), pool.get("db")], "lock_prefix": lock.key_prefix}

    async def main():
        domain = Domain.empty()
        store = TrackerStore.create(endpoints.tracker_store, domain)
        out["tracker_store"] = [type(store).__name__, store.db.name, store.collection]
        tracker = DialogueStateTracker.from_events("conv-1", [
            ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
            UserUttered("paspoort aanvragen", {"name": "paspoort", "confidence": 0.9})])
        await store.save(tracker)
        # another replica, or this one after a restart: a new client reads what the first wrote
        again = TrackerStore.create(endpoints.tracker_store, domain)
        found = await again.retrieve("conv-1")
        out["texts_read_back"] = [e.text for e in found.events if isinstance(e, UserUttered)] if found else None

    asyncio.run(main())
    print(json.dumps(out))
""")


@pytest.mark.slow
def test_rasa_builds_its_tracker_store_and_lock_store_from_our_endpoints(tmp_path: Path) -> None:
    if not RASA_PYTHON.exists():
        pytest.skip("no .venv-rasa here (make setup creates it)")
    port = launcher.free_port()
    mongo = launcher.mongo(port, tmp_path / "mongo", tmp_path).launch()
    try:
        done = subprocess.run(
            [str(RASA_PYTHON), "-c", RASA_PROBE, str(ENDPOINTS)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RASA_TELEMETRY_ENABLED": "false",
                 "RASA_TRACKER_MONGODB_URL": f"mongodb://127.0.0.1:{port}/?retryWrites=false",
                 "RASA_LOCK_STORE_REDIS_HOST": "redis"},
        )
    finally:
        mongo.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["tracker_store"] == ["MongoTrackerStore", "rasa", "conversations"]
    assert out["texts_read_back"] == ["paspoort aanvragen"]
    assert out["lock_store"] == "RedisLockStore"
    assert out["lock_redis"] == ["redis", 6379, 1]
    assert out["lock_prefix"].startswith("kcc:"), "key_prefix accepted (Rasa drops a non-alphanumeric one)"
    assert out["action_url"] == "http://actions:5055/webhook"


# ---------------------------------------------------------------- mongo-init.js, under Node
NODE_HARNESS = textwrap.dedent("""
    const vm = require("vm");
    const fs = require("fs");
    const [script, scenarioJson] = process.argv.slice(2);
    const scenario = JSON.parse(scenarioJson);
    let now = 0, initiated = scenario.initiated, statusCalls = 0;
    const initiateCalls = [], printed = [];
    const members = (primary) => ["mongo1:27017", "mongo2:27017", "mongo3:27017"].map((name, i) =>
      ({ name, stateStr: primary && i === 1 ? "PRIMARY" : "SECONDARY" }));
    const sandbox = {
      rs: {
        status() {
          if (scenario.statusError) { const e = new Error("not authorized"); e.code = scenario.statusError; throw e; }
          if (!initiated) { const e = new Error("no replset config has been received"); e.code = 94; throw e; }
          statusCalls += 1;
          return { ok: 1, members: members(scenario.primaryAfter !== null && statusCalls > scenario.primaryAfter) };
        },
        initiate(config) { initiateCalls.push(config); initiated = true; return { ok: 1 }; },
      },
      print: (text) => printed.push(String(text)),
      quit: (code) => { throw { quitCode: code }; },
      sleep: (ms) => { now += ms; },
      Date: { now: () => now },
      JSON,
    };
    let result;
    try {
      vm.runInNewContext(fs.readFileSync(script, "utf8"), sandbox);
      result = { ended: "without quit" };
    } catch (e) {
      result = e && "quitCode" in e ? { quit: e.quitCode } : { threw: String(e.message) };
    }
    console.log(JSON.stringify({ ...result, initiateCalls, waitedMs: now, printed }));
""")


def run_mongo_init(tmp_path: Path, **scenario: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if not node:
        pytest.skip("no Node.js here: docker/mongo-init.js was not run")
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    done = subprocess.run([node, str(harness), str(MONGO_INIT), json.dumps(scenario)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_mongo_init_initiates_the_set_and_exits_0_only_once_there_is_a_primary(tmp_path: Path) -> None:
    out = run_mongo_init(tmp_path, initiated=False, primaryAfter=3, statusError=None)
    assert out["quit"] == 0
    assert out["initiateCalls"] == [{"_id": "rs0", "members": [
        {"_id": 0, "host": "mongo1:27017"}, {"_id": 1, "host": "mongo2:27017"}, {"_id": 2, "host": "mongo3:27017"}]}]
    assert out["waitedMs"] == 3000, "it polled until the PRIMARY showed"
    assert out["printed"][-1] == "PRIMARY: mongo2:27017"


def test_mongo_init_a_second_time_initiates_nothing(tmp_path: Path) -> None:
    out = run_mongo_init(tmp_path, initiated=True, primaryAfter=0, statusError=None)
    assert out["quit"] == 0 and out["initiateCalls"] == [] and out["waitedMs"] == 0


def test_mongo_init_fails_when_no_primary_comes(tmp_path: Path) -> None:
    out = run_mongo_init(tmp_path, initiated=False, primaryAfter=None, statusError=None)
    assert out["quit"] == 1
    assert 120_000 <= out["waitedMs"] <= 122_000
    assert out["printed"][-1].startswith("no PRIMARY after 120 s")


def test_mongo_init_does_not_swallow_other_errors(tmp_path: Path) -> None:
    out = run_mongo_init(tmp_path, initiated=False, primaryAfter=0, statusError=13)
    assert out.get("threw") == "not authorized" and out["initiateCalls"] == []


# ---------------------------------------------------------------- docker compose config, where a v2 CLI is installed
def compose_cli() -> list[str] | None:
    for argv in (["docker", "compose"], ["docker-compose"]):
        if not shutil.which(argv[0]):
            continue
        try:
            done = subprocess.run([*argv, "version", "--short"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and re.match(r"v?2\.", done.stdout.strip()):
            return argv
    return None


@pytest.mark.parametrize("profiles", [[], ["elasticsearch"]])
def test_docker_compose_config_accepts_the_file(tmp_path: Path, profiles: list[str]) -> None:
    argv = compose_cli()
    if argv is None:
        pytest.skip("no Compose v2 CLI here (`docker compose` / docker-compose 2.x); compose.yaml was checked with PyYAML only")
    # a copy of docker/ with the two files an operator writes: the env_file (kcc.env; the example's lines
    # are all comments) and the interpolation file (.env); the real docker/ is left alone
    project = tmp_path / "docker"
    shutil.copytree(DOCKER, project, ignore=shutil.ignore_patterns("kcc.env", ".env"))
    shutil.copy(ENV_EXAMPLE, project / "kcc.env")
    (project / ".env").write_text("KCC_PUBLIC_URL=https://kcc.lindewaard.nl\n")
    profile_args = [a for p in profiles for a in ("--profile", p)]
    done = subprocess.run([*argv, "-f", str(project / "compose.yaml"), *profile_args, "config", "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)
    assert ("elasticsearch" in resolved["services"]) == bool(profiles)
    assert resolved["services"]["hub"]["environment"]["KCC_PUBLIC_URL"] == "https://kcc.lindewaard.nl"


# ---------------------------------------------------------------- the Caddyfile, served by a real Caddy in front of two real hubs
class StandInDns:
    """Answers ``hub`` with two A records, as Docker's DNS does for a service with two replicas."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                return
            i, labels = 12, []
            while query[i]:
                labels.append(query[i + 1 : i + 1 + query[i]].decode().lower())
                i += 1 + query[i]
            qtype = struct.unpack("!H", query[i + 1 : i + 3])[0]
            question = query[12 : i + 5]
            ours = labels[:1] == ["hub"]
            answers = [a for a in self.addresses if ours and qtype == 1]
            header = struct.pack("!HHHHHH", struct.unpack("!H", query[:2])[0], 0x8180 if ours else 0x8183, 1, len(answers), 0, 0)
            records = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(a) for a in answers)
            self.sock.sendto(header + question + records, peer)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def proxied_hubs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    caddy = shutil.which("caddy")
    if not caddy:
        pytest.skip("no `caddy` CLI here (Debian: apt-get install caddy): the proxy was not run in front of hubs")
    home = tmp_path_factory.mktemp("proxied")
    hub_port, proxy_port, mongo_port = launcher.free_port(), launcher.free_port(), launcher.free_port()
    hosts = ["127.0.0.1", "127.0.0.2"]  # two replicas: both loopback, the same port, as in the compose network
    dns = StandInDns(hosts)
    public_url = f"http://127.0.0.1:{proxy_port}"
    # docker/Caddyfile as it is, but for the hubs' port, the stand-in DNS and no admin endpoint
    text = CADDYFILE.read_text().replace("dynamic a hub 8080 {", f"dynamic a hub {hub_port} {{\n\t\t\t\tresolvers udp/127.0.0.1:{dns.port}")
    (home / "Caddyfile").write_text("{\n\tadmin off\n}\n" + text)
    started: list[launcher.Service] = []
    try:
        started.append(launcher.mongo(mongo_port, home / "mongo", home).launch())
        for n, host in enumerate(hosts):
            env = {
                "KCC_HOST": host, "KCC_PORT": str(hub_port), "KCC_MONGO_PORT": str(mongo_port), "KCC_MONGODB_DB": "kcc_proxy",
                "KCC_DATA_DIR": str(home / "var"), "KCC_PUBLIC_URL": public_url, "KCC_TRUSTED_PROXY_HOPS": "1",
                "KCC_MUNICIPALITY": f"Replica{n}", "KCC_RASA_URL": "http://127.0.0.1:9", "KCC_ACTIONS_URL": "http://127.0.0.1:9",
                "KCC_RATE_LIMIT_PER_IP_PER_MINUTE": "6", "KCC_DEMO": "false", "KCC_LOG_LEVEL": "WARNING",
                "KCC_BUS": env_of(services()["hub"])["KCC_BUS"],  # as compose.yaml runs the replicas
            }
            started.append(launcher.Service(
                f"hub{n}", [str(launcher.VENV_BIN / "python"), "-m", "hub.cli.main", "serve"],
                ready=launcher.http_ok(f"http://{host}:{hub_port}/readyz"), env=env, log_path=home / f"hub{n}.log",
            ).launch())
        started.append(launcher.Service(
            "caddy", [caddy, "run", "--config", str(home / "Caddyfile"), "--adapter", "caddyfile"],
            ready=launcher.http_ok(f"{public_url}/readyz"), log_path=home / "caddy.log", timeout_s=60,
            env={"KCC_PUBLIC_URL": public_url, "XDG_DATA_HOME": str(home / "caddy-data"), "XDG_CONFIG_HOME": str(home / "caddy-config")},
        ).launch())
        yield {"proxy": public_url, "hubs": [f"http://{h}:{hub_port}" for h in hosts]}
    finally:
        for service in reversed(started):
            service.stop()
        dns.close()


@pytest.mark.slow
async def test_the_proxy_spreads_requests_over_every_hub_replica(proxied_hubs: dict[str, Any]) -> None:
    seen = set()
    async with aiohttp.ClientSession() as http:
        for _ in range(6):
            async with http.get(proxied_hubs["proxy"] + "/api/v1/openapi.json") as resp:
                assert resp.status == 200
                seen.add((await resp.json())["info"]["title"])
    assert seen == {"KCC hub API (gemeente Replica0)", "KCC hub API (gemeente Replica1)"}


async def pushed_through_the_proxy(hubs: dict[str, Any], session: str) -> list[str]:
    """Open a resident's WebSocket through the proxy, store one message through each replica
    directly, and return the texts the socket was pushed."""
    proxy, received = hubs["proxy"], []
    async with aiohttp.ClientSession() as http:
        body = {"session_id": session, "text": "Hallo", "message_id": f"{session}-a"}
        async with http.post(proxy + "/api/v1/webchat/messages", json=body) as resp:
            assert resp.status == 200, await resp.text()
            conversation = (await resp.json())["conversation_id"]
        async with http.ws_connect(f"{proxy}/api/v1/webchat/conversations/{conversation}/ws") as ws:
            for n, hub in enumerate(hubs["hubs"]):
                body = {"session_id": session, "text": f"via replica {n}", "message_id": f"{session}-{n}"}
                async with http.post(hub + "/api/v1/webchat/messages", json=body) as resp:
                    assert resp.status == 200, await resp.text()
            with contextlib.suppress(TimeoutError):
                while True:
                    item = await ws.receive_json(timeout=3)
                    if item.get("text", "").startswith("via replica"):
                        received.append(item["text"])
    return received


@pytest.mark.slow
async def test_websockets_go_through_the_proxy(proxied_hubs: dict[str, Any]) -> None:
    received = await pushed_through_the_proxy(proxied_hubs, "proxy-ws-1")
    assert received, "nothing came over the WebSocket through the proxy"
    async with aiohttp.ClientSession() as http:
        headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
        async with http.get(proxied_hubs["proxy"] + "/api/v1/handover/ws", headers=headers) as resp:
            assert resp.status == 401 and (await resp.json())["error"]["code"], "the console's socket reaches a hub"


@pytest.mark.slow
async def test_a_message_stored_through_one_replica_reaches_a_socket_on_another(proxied_hubs: dict[str, Any]) -> None:
    """Each replica's publish reaches the socket, whichever replica the proxy gave it (``KCC_BUS=mongo``), once."""
    received = await pushed_through_the_proxy(proxied_hubs, "proxy-ws-2")
    assert sorted(received) == ["via replica 0", "via replica 1"]


OPENER = "/api/v1/webchat/opener?page_url=https%3A%2F%2Fwww.lindewaard.nl%2F"


@pytest.mark.slow
async def test_behind_the_proxy_a_client_cannot_choose_its_ip(proxied_hubs: dict[str, Any]) -> None:
    """Caddy puts the client's address last in X-Forwarded-For and the hubs (KCC_TRUSTED_PROXY_HOPS=1)
    read exactly that one: a client that sends its own header still meets the per-IP limit."""
    statuses = []
    async with aiohttp.ClientSession() as http:
        for n in range(20):
            headers = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            async with http.get(proxied_hubs["proxy"] + OPENER, headers=headers) as resp:
                statuses.append(resp.status)
    assert 429 in statuses, f"a client that sends its own X-Forwarded-For escapes the limit: {statuses}"
    assert statuses.count(200) <= 2 * 6, statuses
    # ... and another client (another source address) is counted on its own, not as "the proxy"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.3", 0))) as other:
        async with other.get(proxied_hubs["proxy"] + OPENER) as resp:
            assert resp.status == 200, "every resident behind the proxy shares one limit"
