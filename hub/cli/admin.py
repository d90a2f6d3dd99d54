"""``kcc staff ...`` and ``kcc privacy ...``: staff accounts and AVG/GDPR requests from the command line.

They talk to the hub's MongoDB directly (the same settings as the hub); exports and
erasures are audited with the operator's name (``--actor``, default ``cli:<login name>``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hub.core.settings import get_settings


def _run(work: Callable[[Any], Awaitable[int]]) -> int:
    from hub.core.db import connect

    async def main() -> int:
        db = connect(get_settings())
        try:
            return await work(db)
        finally:
            db.client.close()

    return asyncio.run(main())


def _actor(args: argparse.Namespace) -> str:
    return args.actor or f"cli:{getpass.getuser()}"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise SystemExit("de wachtwoorden zijn niet gelijk")
    return first


# ---------------------------------------------------------------------- staff
def cmd_staff_add(args: argparse.Namespace) -> int:
    """Create a staff account (or give an existing one a new password and these roles)."""
    from hub.staff import auth
    from hub.staff.api import NewStaff

    try:
        body = NewStaff(username=args.username, password=_password(args), roles=args.role, name=args.name,
                        team=args.team, department=args.department, rights=args.right or [])
    except ValueError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 2

    async def work(db: Any) -> int:
        await auth.create_staff(db, body.username, body.password, body.roles, name=body.name, team=body.team,
                                rights=body.rights, department=body.department)
        print(f"staff account {body.username} ready: roles {', '.join(body.roles)}")
        return 0

    return _run(work)


def cmd_staff_list(args: argparse.Namespace) -> int:
    """List staff accounts (username, roles, rights, team, department, active)."""
    from hub.staff.api import list_staff

    async def work(db: Any) -> int:
        for s in await list_staff(db):
            state = "active" if s["active"] else "inactive"
            print(f"{s['username']:24} {','.join(s['roles']):24} {','.join(s['rights']) or '-':20} "
                  f"{s['team'] or '-':10} {s['department'] or '-':20} {state}")
        return 0

    return _run(work)


def cmd_staff_deactivate(args: argparse.Namespace) -> int:
    """Deactivate a staff account: no log-in, its sessions end now (the account is kept for the audit log)."""
    from hub.staff.api import StaffChange, change

    async def work(db: Any) -> int:
        if await change(db, args.username, StaffChange(active=False)) is None:
            print(f"no staff account {args.username}", file=sys.stderr)
            return 1
        print(f"staff account {args.username} deactivated")
        return 0

    return _run(work)


# ---------------------------------------------------------------------- privacy
def cmd_privacy_export(args: argparse.Namespace) -> int:
    """Everything held about a contact as JSON (audited as contact.export)."""
    from hub.gdpr import rights as privacy

    found: dict[str, Any] = {}

    async def work(db: Any) -> int:
        try:
            found.update(await privacy.export(db, args.contact_id, _actor(args), args.reason))
        except privacy.PrivacyError as exc:
            print(f"{exc.code}: {exc.message}", file=sys.stderr)
            return 1
        return 0

    if _run(work):
        return 1
    text = json.dumps(found, ensure_ascii=False, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"written to {args.output}: {len(found['conversations'])} conversations, {len(found['messages'])} messages")
    else:
        print(text)
    return 0


def cmd_privacy_erase(args: argparse.Namespace) -> int:
    """Erase a contact's personal data on request (audited as contact.erase); --dry-run only counts."""
    from hub.conversations.bot_client import BotClient
    from hub.gdpr import rights as privacy
    from hub.gdpr.bot_memory import BotMemory

    async def work(db: Any) -> int:
        settings = get_settings()
        bot = BotClient(settings.rasa_url, settings.rasa_timeout_s)
        try:
            memory = BotMemory(bot, db, settings.rasa_tracker_database)
            report = await privacy.erase(db, args.contact_id, _actor(args), args.reason, args.dry_run, memory)
        except privacy.PrivacyError as exc:
            print(f"{exc.code}: {exc.message}", file=sys.stderr)
            return 1
        finally:
            await bot.close()
        print(("DRY RUN, nothing changed\n" if args.dry_run else "") + json.dumps(report, indent=2))
        return 0

    return _run(work)


def cmd_privacy_retention(args: argparse.Namespace) -> int:
    """Apply the retention policy now (or with --dry-run: report what it would do)."""
    from hub.gdpr import retention

    settings = get_settings()
    if args.days is not None:
        settings = settings.model_copy(update={"retention_closed_conversation_days": args.days})
    if args.mode:
        settings = settings.model_copy(update={"retention_mode": args.mode})

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} conversations checked", end="", file=sys.stderr, flush=True)

    async def work(db: Any) -> int:
        report = await retention.run(db, settings, dry_run=args.dry_run, progress=progress)
        print(file=sys.stderr)
        if report.skipped:
            print(report.skipped)
            return 0
        verb = "would be" if args.dry_run else "were"
        action = "anonymised" if report.mode == "anonymise" else "deleted"
        print(f"retention: closed before {report.cutoff:%Y-%m-%d %H:%M} UTC, mode {report.mode}"
              + (" (DRY RUN, nothing changed)" if args.dry_run else ""))
        print(f"  {report.conversations} conversations and {report.messages} messages {verb} {action}")
        if report.oldest_closed_at:
            print(f"  oldest closed at {report.oldest_closed_at:%Y-%m-%d}")
        print(f"  kept because a case or callback request is still open: {report.kept_open_items}")
        for channel, line in sorted(report.per_channel.items()):
            print(f"  {channel:12} {line['conversations']:8} conversations {line['messages']:10} messages")
        return 0

    return _run(work)


def register(sub: Any) -> None:
    """Add ``staff`` and ``privacy`` to the ``kcc`` command line (``hub.cli.main``)."""
    staff = sub.add_parser("staff", help="staff accounts").add_subparsers(dest="staff_command", required=True)
    add = staff.add_parser("add", help=cmd_staff_add.__doc__, description=cmd_staff_add.__doc__)
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, help="agent, editor, supervisor or admin (repeat for more)")
    add.add_argument("--name", help="display name")
    add.add_argument("--team", help="agent team, e.g. kcc")
    add.add_argument("--department", help="what residents see in 'who looked at my data', e.g. KCC")
    add.add_argument("--right", action="append", help="extra right, e.g. sociaal_domein, privacy or knowledge.publish (repeat for more)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin instead of asking")
    add.set_defaults(func=cmd_staff_add)
    staff.add_parser("list", help=cmd_staff_list.__doc__, description=cmd_staff_list.__doc__).set_defaults(func=cmd_staff_list)
    deact = staff.add_parser("deactivate", help=cmd_staff_deactivate.__doc__, description=cmd_staff_deactivate.__doc__)
    deact.add_argument("username")
    deact.set_defaults(func=cmd_staff_deactivate)

    priv = sub.add_parser("privacy", help="AVG/GDPR: export, erasure, retention").add_subparsers(
        dest="privacy_command", required=True
    )
    exp = priv.add_parser("export", help=cmd_privacy_export.__doc__, description=cmd_privacy_export.__doc__)
    exp.add_argument("contact_id")
    exp.add_argument("-o", "--output", help="write the JSON to this file (default: stdout)")
    exp.add_argument("--reason", default="verzoek inzage (AVG art. 15)", help="why (goes to the audit log)")
    exp.add_argument("--actor", help="who asks (default cli:<login name>)")
    exp.set_defaults(func=cmd_privacy_export)
    era = priv.add_parser("erase", help=cmd_privacy_erase.__doc__, description=cmd_privacy_erase.__doc__)
    era.add_argument("contact_id")
    era.add_argument("--reason", required=True, help="why, e.g. 'verzoek verwijdering (AVG art. 17)'")
    era.add_argument("--dry-run", action="store_true", help="only count what would be erased")
    era.add_argument("--actor", help="who asks (default cli:<login name>)")
    era.set_defaults(func=cmd_privacy_erase)
    ret = priv.add_parser("retention", help=cmd_privacy_retention.__doc__, description=cmd_privacy_retention.__doc__)
    ret.add_argument("--dry-run", action="store_true", help="report what would be done, change nothing")
    ret.add_argument("--days", type=int, help="override KCC_RETENTION_CLOSED_CONVERSATION_DAYS for this run")
    ret.add_argument("--mode", choices=["anonymise", "delete"], help="override KCC_RETENTION_MODE for this run")
    ret.set_defaults(func=cmd_privacy_retention)
