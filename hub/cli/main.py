"""The ``kcc`` command line: serve the hub, run the whole product, train the bot, manage content."""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time

from hub.cli import launcher
from hub.core.settings import ROOT, Settings, get_settings

BOT_DIR = ROOT / "bot"
# `make run` only: local stand-ins so every channel's webhook is switched on (never valid at a provider)
DEMO_CHANNEL_SETTINGS = {
    "twilio_account_sid": "AC" + "0" * 32,
    "twilio_auth_token": "demo-twilio-auth-token",
    "twilio_whatsapp_from": "+14155238886",
    "twilio_sms_from": "+3197010000000",
    "telegram_bot_token": "000000000:demo-telegram-bot-token",
    "telegram_secret_token": "demo-telegram-secret-token",
    "meta_verify_token": "demo-meta-verify-token",
    "meta_app_secret": "demo-meta-app-secret",
    "meta_page_token": "demo-meta-page-token",
    "smtp_listen_port": "2525",
}


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the hub's HTTP app (web chat, webhooks, APIs, pages) in this process."""
    from aiohttp import web

    from hub.core.logging_setup import configure
    from hub.web.app import create_app

    settings = get_settings()
    configure(settings.log_level)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


def bot_data_hash() -> str:
    """Hash of everything training reads; the model is retrained only when it changes."""
    digest = hashlib.sha256()
    files = [BOT_DIR / "config.yml", *sorted((BOT_DIR / "domain").rglob("*.yml")), *sorted((BOT_DIR / "data").rglob("*.yml")),
             *sorted((BOT_DIR / "components").glob("*.py"))]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cmd_bot_train(args: argparse.Namespace) -> int:
    """Train the Rasa model into var/models when bot/ changed (or always with --force)."""
    model_dir = get_settings().rasa_model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    model = launcher.model_path(model_dir)
    stamp = model_dir / "kcc.sha256"
    wanted = bot_data_hash()
    if not args.force and model.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        print(f"bot model up to date ({model.relative_to(ROOT)})")
        return 0
    print("training the Rasa model (this takes a few minutes; Rasa prints its progress)...", flush=True)
    started = time.monotonic()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    cmd = [str(launcher.RASA_BIN), "train", "--config", "bot/config.yml", "--domain", "bot/domain",
           "--data", "bot/data", "--out", str(model_dir), "--fixed-model-name", "kcc"]
    rc = subprocess.call(cmd, cwd=ROOT, env=env)  # noqa: S603
    if rc != 0:
        print("rasa train failed", file=sys.stderr)
        return rc
    stamp.write_text(wanted + "\n")
    print(f"model trained in {time.monotonic() - started:.0f}s: {model.relative_to(ROOT)}")
    return 0


def run_env(settings: Settings) -> dict[str, str]:
    """The environment ``kcc run`` gives its processes: demo accounts and demo channel secrets only with
    ``KCC_DEMO=true`` set explicitly (``make run`` sets it); secrets set in the environment or .env win."""
    if not settings.demo:
        return {"KCC_DEMO": "false"}
    env = {"KCC_DEMO": "true"}
    env.update({f"KCC_{k.upper()}": v for k, v in DEMO_CHANNEL_SETTINGS.items() if getattr(settings, k) in (None, "")})
    return env


def cmd_run(args: argparse.Namespace) -> int:
    """Start Mongo-wire server (unless KCC_MONGODB_URL), action server, Rasa and the hub; Ctrl-C stops all."""
    settings = get_settings()
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = run_env(settings)
    started: list[launcher.Service] = []

    def stop_all(*_: object) -> None:
        for service in reversed(started):
            service.stop()

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(0)))
    plan: list[launcher.Service] = []
    if not settings.mongodb_url:
        plan.append(launcher.mongo(settings.mongo_port, settings.data_dir / "mongo", log_dir))
    if not settings.caldav_url:
        plan.append(launcher.radicale(settings.caldav_port, settings.data_dir / "radicale", log_dir))
    plan.append(launcher.actions(settings.actions_port, env, log_dir))
    plan.append(launcher.rasa(settings.rasa_port, settings.actions_port, launcher.model_path(settings.rasa_model_dir), log_dir))
    plan.append(launcher.hub(settings.port, env, log_dir))
    try:
        for service in plan:
            print(f"starting {service.name} ...", flush=True)
            service.start()
            started.append(service)
            service.wait_ready()
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"\nKCC hub is running (logs in {log_dir}).\n"
            f"  web chat         {base}/chat\n"
            f"  agent console    {base}/console\n"
            f"  editor           {base}/editor\n"
            f"  dashboard        {base}/dashboard\n"
            f"  health           {base}/healthz\n"
            + (
                "Demo mode (KCC_DEMO=true): demo channel secrets, and staff accounts (user / password):\n"
                "  agent / agent-demo   editor / editor-demo   supervisor / supervisor-demo   admin / admin-demo\n"
                if env["KCC_DEMO"] == "true"
                else "No demo accounts (KCC_DEMO is not true): add staff with `kcc staff add`.\n"
            )
            + "Press Ctrl-C to stop everything.",
            flush=True,
        )
        while all(s.running() for s in started):
            time.sleep(0.5)
        dead = [s.name for s in started if not s.running()]
        print(f"stopped: {', '.join(dead)} exited; see {log_dir}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        return 1
    finally:
        stop_all()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kcc", description="KCC hub: omnichannel contact centre for municipalities")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help=cmd_serve.__doc__).set_defaults(func=cmd_serve)
    sub.add_parser("run", help=cmd_run.__doc__).set_defaults(func=cmd_run)
    bot = sub.add_parser("bot", help="Rasa bot tasks").add_subparsers(dest="bot_command", required=True)
    train = bot.add_parser("train", help=cmd_bot_train.__doc__)
    train.add_argument("--force", action="store_true", help="train even when bot/ is unchanged")
    train.set_defaults(func=cmd_bot_train)
    try:
        from knowledge.cli import register
    except ImportError:  # pragma: no cover - knowledge CLI not installed
        pass
    else:
        register(sub)
    from hub.cli.admin import register as register_admin

    register_admin(sub)  # kcc staff ..., kcc privacy ... (issue 9)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

