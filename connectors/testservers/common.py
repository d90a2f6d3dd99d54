"""What the local test servers share: slow-down switch, injected faults, ZGW-style problem answers, runner."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    """One injected failure of the next matching request (``method``, path ending in ``path``), then gone.

    ``after=False``: answer ``status`` without acting. ``after=True``: act, then hold the answer
    for ``hang_s`` (the client times out although the server did the work). ``skip`` lets that
    many matching requests through first.
    """

    method: str
    path: str
    status: int = 500
    after: bool = False
    hang_s: float = 1.5
    skip: int = 0


@dataclass
class Behaviour:
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)  # method, path, headers, json body
    faults: list[Fault] = field(default_factory=list)

    def fault_for(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if request.method == fault.method and request.path.rstrip("/").endswith(fault.path):
                if fault.skip:
                    fault.skip -= 1
                    return None
                self.faults.remove(fault)
                return fault
        return None


@web.middleware
async def behaviour_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    behaviour: Behaviour = request.app["behaviour"]
    body = None
    if request.can_read_body and request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = "<invalid json>"
    behaviour.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers), "json": body})
    if behaviour.delay_s:
        await asyncio.sleep(behaviour.delay_s)
    fault = behaviour.fault_for(request)
    if fault and not fault.after:
        return zgw_problem(fault.status, "server_error", "Interne serverfout.")
    response = await handler(request)
    if fault:
        await asyncio.sleep(fault.hang_s)
    return response


def new_app(middlewares: list[Any]) -> web.Application:
    app = web.Application(middlewares=[behaviour_middleware, *middlewares])
    app["behaviour"] = Behaviour()
    return app


async def json_body(request: web.Request) -> Any:
    """The request body as JSON, or None when it is not JSON."""
    try:
        return await request.json()
    except ValueError:
        return None


def zgw_problem(
    status: int, code: str, title: str, detail: str = "", invalid_params: list[dict[str, str]] | None = None
) -> web.Response:
    """A ZGW / vng-api-common error (Zaken API, Klantinteracties API)."""
    body: dict[str, Any] = {
        "type": f"https://zaakgerichtwerken.vng.cloud/ref/fouten/{code}/",
        "code": code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": f"urn:uuid:{uuid.uuid4()}",
    }
    if invalid_params is not None:
        body["invalidParams"] = invalid_params
    return web.json_response(body, status=status, content_type="application/problem+json")


def zgw_invalid(params: list[tuple[str, str, str]]) -> web.Response:
    """400 with ``invalidParams`` from (name, code, reason) triples."""
    return zgw_problem(
        400, "invalid", "Invalid input.", invalid_params=[{"name": n, "code": c, "reason": r} for n, c, r in params]
    )


@web.middleware
async def zgw_not_found(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return zgw_problem(404, "not_found", "Niet gevonden.")
    except web.HTTPMethodNotAllowed:
        return zgw_problem(405, "method_not_allowed", "Methode niet toegestaan.")


def run(make_app: Callable[..., web.Application], default_port: int, description: str) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port, print=lambda *_: None)
