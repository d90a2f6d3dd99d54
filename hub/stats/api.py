"""The statistics over HTTP: JSON and CSV for supervisors and the municipality's BI, and /dashboard.

``GET /api/v1/stats/summary?from=YYYY-MM-DD&to=YYYY-MM-DD&channel=&team=&topic=&granularity=``
returns every figure (``from``/``to`` are local days, both included; default this month;
``team=-`` selects the conversations the bot handled alone; ``granularity`` is hour, day or
week); ``GET /api/v1/stats/<figure>`` one of them (contacts, containment,
wait, first-reply, handling, abandoned, callbacks, answers, cases, topics, unanswered,
satisfaction, occupancy, daily, within-term, pickup, first-contact). ``?format=csv`` or
``GET /api/v1/stats/<figure>.csv`` gives a table as CSV (``&table=`` picks one, e.g.
``by_channel``, ``by_team``, ``by_topic``; the summary's CSV is every table in long form). ``/api/v1/stats/live`` is today's
queue, ``/api/v1/stats/events`` the event vocabulary, ``POST /api/v1/stats/rebuild``
recomputes the figures from the event log. All need the supervisor role.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from hub.conversations import satisfaction
from hub.core import event_types
from hub.core.appkeys import BUS, DB, SETTINGS
from hub.core.http import BodyError, json_error, parse
from hub.core.loops import run_with_app
from hub.core.models import utcnow
from hub.privacy import audit
from hub.privacy.audit import audit_entry
from hub.staff.auth import require_role
from hub.stats import live_view as stats_live
from hub.stats.figures import FIGURES, Query, Stats
from hub.stats.period import as_local_day, default_period, parse_day
from hub.stats.rollup import Busy, Rollup, local_midnight, run
from hub.stats.tables import tables

log = logging.getLogger(__name__)
DASHBOARD = Path(__file__).resolve().parent / "dashboard"
STATS = web.AppKey("stats", Stats)
ROLLUP = web.AppKey("stats_rollup", Rollup)
PATHS = {name.replace("_", "-"): name for name in FIGURES}
NOT_LABELS = {"breaches", "note"}  # text columns that are values, not row labels


# ---------------------------------------------------------------------- request -> query
class QueryError(Exception):
    def __init__(self, response: web.Response):
        self.response = response


def read_query(request: web.Request) -> Query:
    args = request.query
    today = as_local_day(utcnow())
    start, end = default_period(today)
    try:
        if args.get("from"):
            start = parse_day(args["from"])
        if args.get("to"):
            end = parse_day(args["to"])
    except ValueError:
        raise QueryError(json_error(400, "invalid_date", "Geef datums op als JJJJ-MM-DD, bijvoorbeeld 2025-03-01.")) from None
    fields: dict[str, Any] = {"start": start, "end": end}
    for name in ("channel", "team", "topic", "granularity", "limit"):
        if args.get(name):
            fields[name] = args[name]
    try:
        return Query(**fields)
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) if e["loc"] else "period" for e in exc.errors()})
        if bad == ["period"]:
            return_error = json_error(400, "invalid_period", "De periode klopt niet: 'tot' ligt voor 'van', of de periode is langer dan een jaar.")
        else:
            return_error = json_error(422, "invalid_fields", "Een of meer filters kloppen niet.", fields=bad)
        raise QueryError(return_error) from None


# ---------------------------------------------------------------------- CSV
def _cell(value: Any) -> tuple[str, bool]:
    if isinstance(value, dict) and "suppressed" in value:
        return ("" if value["value"] is None else str(value["value"])), bool(value["suppressed"])
    return ("" if value is None else str(value)), False


def wide_csv(rows: list[dict[str, Any]]) -> str:
    """One table: a column per field; suppressed cells stay empty and are named in ``suppressed``."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*columns, "suppressed"])
    for row in rows:
        cells, hidden = [], []
        for col in columns:
            text, suppressed = _cell(row.get(col))
            cells.append(text)
            if suppressed:
                hidden.append(col)
        writer.writerow([*cells, " ".join(hidden)])
    return out.getvalue()


def long_csv(figures: dict[str, dict[str, Any]]) -> str:
    """Every table of every figure: figure, table, key (the row's labels), measure, value, suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["figure", "table", "key", "measure", "value", "suppressed"])
    for name, figure in figures.items():
        for table, rows in tables(name, figure).items():
            for row in rows:
                labels = [str(v) for k, v in row.items() if isinstance(v, str) and k not in NOT_LABELS]
                key = "|".join(labels)
                for measure, value in row.items():
                    if isinstance(value, str) and measure not in NOT_LABELS:
                        continue
                    text, suppressed = _cell(value)
                    writer.writerow([name, table, key, measure, text, "true" if suppressed else "false"])
    return out.getvalue()


def csv_response(text: str, filename: str) -> web.Response:
    return web.Response(
        body=text.encode("utf-8-sig"),  # with a BOM, so spreadsheet programs read the accents right
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def exported(request: web.Request, text: str, filename: str) -> web.Response:
    """A CSV export: anonymous figures, but every export is written to the audit log (issue 9)."""
    await audit.record(request.app[DB], audit_entry(request, "stats.export", None, file=filename, rows=text.count("\n")))
    return csv_response(text, filename)


# ---------------------------------------------------------------------- handlers
FRESH = timedelta(seconds=5)


def _stats(request: web.Request) -> Stats:
    return request.app[STATS]


async def _fresh(request: web.Request, q: Query) -> None:
    """A period that reaches today gets the newest events (the background loop runs less often)."""
    if q.end >= as_local_day(utcnow()):
        await request.app[ROLLUP].refresh_if_stale(FRESH)


@require_role("supervisor")
async def summary(request: web.Request) -> web.StreamResponse:
    try:
        q = read_query(request)
    except QueryError as exc:
        return exc.response
    await _fresh(request, q)
    body = await _stats(request).summary(q)
    if request.query.get("format") == "csv":
        return await exported(request, long_csv(body["figures"]), f"kcc-cijfers-{q.start}-{q.end}.csv")
    return web.json_response(body)


@require_role("supervisor")
async def figure(request: web.Request) -> web.StreamResponse:
    return await _figure(request, request.query.get("format") == "csv")


@require_role("supervisor")
async def figure_csv(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/stats/<figure>.csv``: the same as ``?format=csv`` (``&table=`` picks a table)."""
    return await _figure(request, True)


async def _figure(request: web.Request, as_csv: bool) -> web.StreamResponse:
    name = PATHS.get(request.match_info["figure"])
    if name is None:
        return json_error(404, "unknown_figure", "Dit cijfer bestaat niet.", figures=sorted(PATHS))
    try:
        q = read_query(request)
    except QueryError as exc:
        return exc.response
    await _fresh(request, q)
    body = await _stats(request).summary(q, (name,))
    if as_csv:
        found = tables(name, body["figures"][name])
        table = request.query.get("table") or next(iter(found), name)
        if table not in found and found:
            return json_error(404, "unknown_table", "Deze tabel bestaat niet.", tables=sorted(found))
        return await exported(request, wide_csv(found.get(table, [])), f"kcc-{name}-{table}-{q.start}-{q.end}.csv")
    return web.json_response({k: v for k, v in body.items() if k != "figures"} | {name: body["figures"][name]})


@require_role("supervisor")
async def live(request: web.Request) -> web.Response:
    team = request.query.get("team") or None
    return web.json_response(await stats_live.queue_now(request.app[DB], request.app[SETTINGS], team))


@require_role("supervisor")
async def vocabulary(request: web.Request) -> web.Response:
    return web.json_response({"events": event_types.describe()})


class RebuildBody(BaseModel):
    since: date | None = Field(None, description="recompute from this local day on; empty = everything")


@require_role("supervisor")
async def rebuild(request: web.Request) -> web.Response:
    try:
        body = await parse(request, RebuildBody)
    except BodyError as exc:
        return exc.response
    rollup: Rollup = request.app[ROLLUP]
    try:
        done = await rollup.rebuild(local_midnight(body.since) if body.since else None, wait_s=30)
    except Busy:
        return json_error(409, "busy", "De cijfers worden al opnieuw berekend. Probeer het over een paar minuten opnieuw.")
    log.info("statistics rebuilt", extra={"by": request["staff"]["_id"], "days": len(done["days"])})
    return web.json_response({"days": len(done["days"]), "items": done["items"], "agents": done["agents"],
                              "until": done["until"].isoformat(), "took_s": round(done["took_s"], 2)})


@require_role("supervisor", page=True)
async def dashboard_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(DASHBOARD / "index.html", headers={"Cache-Control": "no-cache"})


# ---------------------------------------------------------------------- wiring
def setup_stats(app: web.Application) -> None:
    """Statistics API, the /dashboard page, the satisfaction question and the background refresh."""
    settings = app[SETTINGS]
    app[STATS] = Stats(app[DB], settings)
    app[ROLLUP] = Rollup(app[DB], settings)

    run_with_app(app, stats_refresh=lambda app: run(app[ROLLUP], settings.stats_refresh_s, app[BUS]))
    app.router.add_get("/api/v1/stats/summary", summary)
    app.router.add_get("/api/v1/stats/live", live)
    app.router.add_get("/api/v1/stats/events", vocabulary)
    app.router.add_post("/api/v1/stats/rebuild", rebuild)
    app.router.add_get("/api/v1/stats/{figure}.csv", figure_csv)
    app.router.add_get("/api/v1/stats/{figure}", figure)
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_static("/dashboard/static", DASHBOARD, append_version=True)
    app.router.add_routes(satisfaction.routes())
