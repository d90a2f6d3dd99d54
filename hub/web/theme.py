"""The look of every page and of the widget: NL Design System components and the municipality's tokens.

Three layers, all served by the hub itself (never from a CDN) under ``/static/nlds/``:

- ``components.css``: the ``@utrecht/*-css`` component packages (the NL Design System
  community components that KISS uses), installed by ``scripts/setup.sh`` into ``var/node``;
- ``theme.css``: the municipality's design tokens from ``KCC_THEME_FILE`` (a small JSON file:
  colours, font, logo), checked for contrast when the hub starts, as ``--kcc-*`` custom properties;
- ``base.css``: maps the NLDS component tokens (``--utrecht-*``) and our pages' elements onto
  those tokens: 44 px touch targets, one visible focus ring.

``widget.css`` is the same for the widget on a host page of another origin: every token is
declared on the widget's own root elements (``.kcc-w``, ``.kcc-fab``), never on ``:root``, so
nothing leaks into the host page. Files the theme names (logo, font) are served from the theme
file's folder at ``/static/nlds/theme/<name>``.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hub.core.appkeys import SETTINGS

log = logging.getLogger(__name__)
HERE = Path(__file__).parent / "nlds"
PREFIX = "/static/nlds"
THEME_CSS = web.AppKey("theme_css", dict[str, str])  # name -> served text

# The @utrecht component packages bundled into components.css (dependencies of component-library-css).
COMPONENTS = (
    "root", "document", "button", "textbox", "textarea", "select", "form-label", "form-field",
    "form-field-description", "form-field-error-message", "link", "heading-1", "heading-2", "heading-3",
    "paragraph", "alert", "table", "status-badge", "unordered-list", "separator",
)
ASSET_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".woff": "font/woff"}
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class Theme(BaseModel):
    """A municipality's design tokens. Colours are #rrggbb; text pairs must reach WCAG AA (4.5:1)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=80, pattern=r"^[\w .,()'-]+$", description="says whose theme this is (a CSS comment)")
    color_primary: str = Field(description="headers, primary buttons, the resident's own messages")
    color_primary_text: str = Field("#ffffff", description="text on color_primary")
    color_primary_hover: str = Field(description="primary buttons under the pointer")
    color_link: str = Field(description="links on the page and surface background")
    color_text: str = "#1b1b1b"
    color_text_muted: str = Field(description="secondary text: times, counts, hints")
    color_background: str = Field(description="page background")
    color_surface: str = Field("#ffffff", description="panels, cards, message bubbles")
    color_surface_alt: str = Field(description="a second surface: the chat log, bot messages")
    color_border: str = Field(description="lines between panels")
    color_border_input: str = Field(description="borders of inputs (3:1 against the surface)")
    color_focus: str = Field("#ffbf47", description="the focus ring")
    color_focus_inverse: str = Field("#0b0c0c", description="the ring's dark edge, visible on light and dark")
    color_error: str
    color_warning_background: str
    color_warning_text: str
    color_success: str
    font_family: str = Field("system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", max_length=200)
    font_file: str | None = Field(None, description="a .woff2/.woff beside the theme file; its family is 'KCC Theme'")
    logo: str | None = Field(None, description="an .svg or .png beside the theme file, shown before page titles")

    @field_validator("*", mode="after")
    @classmethod
    def _colour(cls, value: object, info) -> object:  # noqa: ANN001 - pydantic's ValidationInfo
        if info.field_name.startswith("color_") and not (isinstance(value, str) and HEX.match(value)):
            raise ValueError("a colour is written as #rrggbb")
        return value

    @field_validator("font_family")
    @classmethod
    def _font(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9 ,'\"-]+", value):
            raise ValueError("a font family holds letters, digits, spaces, commas, quotes and hyphens only")
        return value

    @field_validator("font_file", "logo")
    @classmethod
    def _file(cls, value: str | None) -> str | None:
        if value is not None and (not FILE_NAME.match(value) or Path(value).suffix.lower() not in ASSET_TYPES):
            raise ValueError(f"a plain file name ending in one of {', '.join(ASSET_TYPES)}")
        return value

    @model_validator(mode="after")
    def _readable(self) -> Theme:
        pairs = [
            ("color_primary_text", "color_primary", 4.5), ("color_primary_text", "color_primary_hover", 4.5),
            ("color_text", "color_background", 4.5), ("color_text", "color_surface", 4.5),
            ("color_text", "color_surface_alt", 4.5), ("color_text_muted", "color_surface", 4.5),
            ("color_text_muted", "color_background", 4.5), ("color_link", "color_surface", 4.5),
            ("color_link", "color_background", 4.5), ("color_error", "color_surface", 4.5),
            ("color_warning_text", "color_warning_background", 4.5), ("color_success", "color_surface", 4.5),
            ("color_primary", "color_surface", 4.5), ("color_border_input", "color_surface", 3.0),
            ("color_focus_inverse", "color_focus", 4.5),
        ]
        weak = [f"{a} on {b}: {contrast(getattr(self, a), getattr(self, b)):.2f} < {need}"
                for a, b, need in pairs if contrast(getattr(self, a), getattr(self, b)) < need]
        if weak:
            raise ValueError("too little contrast: " + "; ".join(weak))
        return self

    def declarations(self) -> str:
        """The tokens as custom property declarations."""
        lines = [f"  --kcc-{name.replace('_', '-')}: {value};"
                 for name, value in self.model_dump().items() if name.startswith("color_")]
        family = f"'KCC Theme', {self.font_family}" if self.font_file else self.font_family
        lines.append(f"  --kcc-font-family: {family};")
        return "\n".join(lines)


def load_theme(path: Path) -> Theme:
    """The theme file, validated; a missing or unreadable one stops the hub with a clear message."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"KCC_THEME_FILE {path}: cannot be read as JSON ({exc})") from exc
    try:
        theme = Theme.model_validate(raw)
    except ValidationError as exc:
        raise SystemExit(f"KCC_THEME_FILE {path}: {exc}") from exc
    for name in (theme.font_file, theme.logo):
        if name and not (Path(path).parent / name).is_file():
            raise SystemExit(f"KCC_THEME_FILE {path}: {name} is not in the same folder")
    return theme


def _font_face(theme: Theme) -> str:
    if not theme.font_file:
        return ""
    kind = "woff2" if theme.font_file.endswith(".woff2") else "woff"
    # relative to the stylesheet: /static/nlds/theme/<file>, also from the widget's host page
    return f"@font-face {{ font-family: 'KCC Theme'; src: url('theme/{theme.font_file}') format('{kind}'); font-display: swap; }}\n"


def theme_css(theme: Theme) -> str:
    """The page tokens (``:root``) and the logo before page titles (``.kcc-brand``)."""
    css = _font_face(theme) + f"/* theme: {theme.name} */\n:root, .kcc-theme {{\n{theme.declarations()}\n}}\n"
    if theme.logo:
        css += (".kcc-brand::before { content: \"\"; display: inline-block; inline-size: 1.6em; block-size: 1.6em; "
                f"margin-inline-end: .5em; vertical-align: middle; background: url('theme/{theme.logo}') "
                "no-repeat center / contain; }\n")
    return css


def widget_css(theme: Theme) -> str:
    """Tokens on the widget's own elements only: the host page keeps its own look."""
    return (
        _font_face(theme) + f"/* theme: {theme.name}, scoped to the chat widget */\n.kcc-w, .kcc-fab {{\n{theme.declarations()}\n"
        "  --kcc-primary: var(--kcc-color-primary);\n  --kcc-focus: var(--kcc-color-focus);\n"
        "  --kcc-font: var(--kcc-font-family);\n}\n"
        + (HERE / "widget.css").read_text(encoding="utf-8")
    )


def _package_css(node_modules: Path, name: str) -> str:
    for folder in (node_modules / "@utrecht", node_modules / "@utrecht" / "component-library-css" / "node_modules" / "@utrecht"):
        path = folder / f"{name}-css" / "dist" / "index.min.css"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(name)


def components_css(node_dir: Path) -> str | None:
    """The bundled @utrecht component CSS, or None when set-up has not installed it."""
    node_modules = Path(node_dir) / "node_modules"
    try:
        version = json.loads((node_modules / "@utrecht" / "component-library-css" / "package.json").read_text())["version"]
        parts = [f"/* @utrecht/{name}-css */\n{_package_css(node_modules, name)}" for name in COMPONENTS]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("NL Design System CSS not installed (run scripts/setup.sh)", extra={"missing": str(exc)})
        return None
    return f"/* NL Design System components: @utrecht/component-library-css {version} (EUPL-1.2) */\n" + "\n".join(parts)


def setup_theme(app: web.Application) -> None:
    """The ``/static/nlds/`` routes; call before the ``/static`` folder route so these win."""
    settings = app[SETTINGS]
    theme = load_theme(settings.theme_file)
    texts = {"theme.css": theme_css(theme), "widget.css": widget_css(theme),
             "base.css": (HERE / "base.css").read_text(encoding="utf-8")}
    components = components_css(settings.node_dir)
    if components is not None:
        texts["components.css"] = components
    app[THEME_CSS] = texts
    theme_dir = Path(settings.theme_file).parent
    assets = {name for name in (theme.font_file, theme.logo) if name}

    async def stylesheet(request: web.Request) -> web.Response:
        text = request.app[THEME_CSS].get(request.match_info["name"])
        if text is None:
            raise web.HTTPNotFound(text="Dit adres bestaat niet.")
        # the widget's host page loads these from another origin (a stylesheet needs no CORS; fonts do)
        return web.Response(text=text, content_type="text/css", charset="utf-8",
                            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    async def asset(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in assets:  # only what the theme names, never another file of that folder
            raise web.HTTPNotFound(text="Dit adres bestaat niet.")
        return web.FileResponse(theme_dir / name, headers={
            "Content-Type": ASSET_TYPES[Path(name).suffix.lower()], "Cache-Control": "no-cache",
            "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"})

    app.router.add_get(PREFIX + "/{name:[a-z]+\\.css}", stylesheet)
    app.router.add_get(PREFIX + "/theme/{name}", asset)
