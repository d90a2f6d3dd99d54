"""The OpenAPI 3.1 description of the hub's JSON API, generated from what the app really serves.

``GET /api/v1/openapi.json`` (public) walks the aiohttp router for every ``/api/v1/...`` route
and reads each handler (and the helpers it hands the request to) for:

* **path parameters**: the ``{name}`` parts of the route;
* **query parameters**: ``request.query.get("x")``, ``request.query["x"]``, ``"x" in request.query``
  (also through a local alias such as ``args = request.query``);
* **request body**: the pydantic model passed to ``parse(request, Model)`` or validated with
  ``Model.model_validate(...)`` in a POST/PUT/PATCH handler, described with ``model_json_schema()``;
  ``request.multipart()`` makes a multipart file upload. ``@request_body(Model)`` declares a body
  the reading cannot find;
* **security**: handlers behind ``hub.staff.auth.require_role`` need the staff session cookie, and on
  unsafe methods the ``X-CSRF-Token`` header; the roles are listed in ``x-roles``.

Reading the handlers keeps the description in step with the code without a second list of
routes to maintain. WebSocket routes (``.../ws``) and the channel webhooks are left out: the
first are no JSON API, the second follow the providers' own (signed) formats.
"""

from __future__ import annotations

import ast
import inspect
import logging
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from hub.core.appkeys import SETTINGS

log = logging.getLogger(__name__)

PATH = "/api/v1/openapi.json"
API_PREFIX = "/api/v1/"
BODY_METHODS = {"POST", "PUT", "PATCH"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "additionalProperties": True,
        }
    },
}


def request_body(model: type[BaseModel]) -> Callable[[Any], Any]:
    """Declare the JSON body of a handler whose body model the reading of its code cannot find."""

    def mark(handler: Any) -> Any:
        handler.__openapi_body__ = model
        return handler

    return mark


# ---------------------------------------------------------------------- reading handlers
def _layers(handler: Any) -> Iterator[Any]:
    """The handler and every function it wraps (``functools.wraps`` chains), outermost first."""
    seen: set[int] = set()
    fn = handler
    while fn is not None and id(fn) not in seen:
        seen.add(id(fn))
        yield fn
        fn = getattr(fn, "__wrapped__", None)


def required_roles(handler: Any) -> tuple[str, ...] | None:
    """The roles of ``hub.staff.auth.require_role`` around the handler; None for a public handler."""
    for layer in _layers(handler):
        func = getattr(layer, "__func__", layer)
        if not inspect.isfunction(func) or func.__code__.co_qualname != "require_role.<locals>.wrap.<locals>.inner":
            continue
        roles = inspect.getclosurevars(func).nonlocals.get("roles")
        return tuple(roles or ())
    return None


class _Reading:
    """What the code of a handler (and the helpers it passes ``request`` to) does with the request."""

    def __init__(self) -> None:
        self.query: list[str] = []
        self.models: list[type[BaseModel]] = []
        self.multipart = False
        self._seen: set[Any] = set()

    def read(self, func: Any, owner: Any = None, depth: int = 0) -> None:
        func = inspect.unwrap(getattr(func, "__func__", func))
        if not inspect.isfunction(func) or func in self._seen or depth > 2:
            return
        self._seen.add(func)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        except (OSError, TypeError, SyntaxError):
            return
        names = func.__globals__
        aliases = {"request"}
        for node in ast.walk(tree):  # ``args = request.query``
            if isinstance(node, ast.Assign) and _is_query(node.value, {"request"}):
                aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            self._query_use(node, aliases)
            if isinstance(node, ast.Call):
                self._call(node, names, owner, depth)

    def _query_use(self, node: ast.AST, aliases: set[str]) -> None:
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getall", "getone"):
            if _is_query(node.func.value, aliases) and node.args:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_query(node.value, aliases):
            key = node.slice
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In):
            if _is_query(node.comparators[0], aliases):
                key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in self.query:
            self.query.append(key.value)

    def _call(self, node: ast.Call, names: dict[str, Any], owner: Any, depth: int) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "multipart":
            self.multipart = True
        if isinstance(func, ast.Attribute) and func.attr == "model_validate":
            self._model(_resolve(func.value, names))
        passes_request = any(isinstance(a, ast.Name) and a.id == "request" for a in node.args)
        if not passes_request:
            return
        if len(node.args) >= 2 and _name_of(func) == "parse":
            self._model(_resolve(node.args[1], names))
        # follow helpers given the request: module functions and methods of the handler's object
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" and owner is not None:
            self.read(getattr(type(owner), func.attr, None), owner, depth + 1)
        else:
            target = _resolve(func, names)
            if inspect.isfunction(target):
                self.read(target, None, depth + 1)

    def _model(self, obj: Any) -> None:
        if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj not in self.models:
            self.models.append(obj)


def _is_query(node: ast.AST, aliases: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in aliases and node.id != "request"
    return isinstance(node, ast.Attribute) and node.attr == "query" and isinstance(node.value, ast.Name) and node.value.id == "request"


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _resolve(node: ast.AST, names: dict[str, Any]) -> Any:
    """``Model`` or ``module.Model`` in the function's module namespace."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        return getattr(base, node.attr, None) if base is not None else None
    return None


# ---------------------------------------------------------------------- building the document
def _path_params(path: str) -> list[str]:
    return _PARAM.findall(path)


def _tag(path: str) -> str:
    return path.removeprefix(API_PREFIX).split("/")[0]


def _operation(method: str, path: str, handler: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    reading = _Reading()
    reading.read(handler, owner=getattr(handler, "__self__", None))
    func = inspect.unwrap(getattr(handler, "__func__", handler))
    doc = inspect.getdoc(func) or ""
    op: dict[str, Any] = {
        "operationId": f"{method.lower()}_{re.sub(r'[^a-zA-Z0-9]+', '_', path.removeprefix(API_PREFIX)).strip('_')}",
        "tags": [_tag(path)],
        "summary": doc.splitlines()[0][:120] if doc else func.__name__.replace("_", " "),
        "parameters": [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for n in _path_params(path)
        ]
        + [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in reading.query],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {}}}},
            "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    if method == "POST":
        op["responses"]["201"] = {"description": "Created", "content": {"application/json": {"schema": {}}}}
    model = next((m for layer in _layers(handler) if (m := getattr(layer, "__openapi_body__", None))), None)
    if method in BODY_METHODS:
        model = model or (reading.models[0] if reading.models else None)
        if model is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _schema(model, schemas)}}}
        elif reading.multipart:
            upload = {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
    roles = required_roles(handler)
    if roles is not None:
        op["security"] = [{"staffSession": [], "csrfToken": []}] if method in UNSAFE else [{"staffSession": []}]
        op["x-roles"] = list(roles) or ["any staff"]
        op["responses"]["401"] = {"description": "Not logged in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        op["responses"]["403"] = {"description": "Missing role or CSRF token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    else:
        op["security"] = []
    return op


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def build(app: web.Application) -> dict[str, Any]:
    settings = app[SETTINGS]
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if not path or not path.startswith(API_PREFIX) or route.method in ("HEAD", "OPTIONS", "*") or path.endswith("/ws"):
            continue
        try:
            paths.setdefault(path, {})[route.method.lower()] = _operation(route.method, path, route.handler, schemas)
        except Exception:  # noqa: BLE001 - one unreadable handler must not take the whole description down
            log.exception("openapi: could not describe a route", extra={"path": path, "method": route.method})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"KCC hub API (gemeente {settings.municipality})",
            "version": "1",
            "description": (
                "JSON API of the KCC hub. Errors always have the shape {\"error\": {\"code\", \"message\"}}. "
                "Staff operations need the session cookie from POST /api/v1/auth/login and, on unsafe "
                "methods, its csrf_token in the X-CSRF-Token header. Public endpoints are rate limited "
                "(429 with Retry-After)."
            ),
        },
        "servers": [{"url": settings.public_url.rstrip("/")}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "staffSession": {"type": "apiKey", "in": "cookie", "name": "kcc_session"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }


OPENAPI = web.AppKey("openapi", dict[str, Any])  # the description, built at its first request


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of this API."""
    cache = request.app[OPENAPI]
    if "doc" not in cache:  # the router is frozen once the app runs: build once
        cache["doc"] = build(request.app)
    return web.json_response(cache["doc"])


def setup_openapi(app: web.Application) -> None:
    app[OPENAPI] = {}
    app.router.add_get(PATH, openapi_json)
