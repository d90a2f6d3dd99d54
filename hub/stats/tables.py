"""A figure as tables (the dashboard's CSV download): every list of rows, plus its single numbers as one row."""

from __future__ import annotations

from typing import Any


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "suppressed" in value:
            out[name] = value
        elif isinstance(value, dict):
            out.update(_flat(value, f"{name}_"))
        elif isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                out[name] = " ".join(value)
        else:
            out[name] = value
    return out


def tables(name: str, figure: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The tables of a figure: every list of rows, plus the single numbers as one row."""
    found = {key: [_flat(r) for r in value] for key, value in figure.items()
             if isinstance(value, list) and value and isinstance(value[0], dict)}
    single = _flat({k: v for k, v in figure.items() if not isinstance(v, list)})
    if single:
        found = {name: [single], **found}
    return found
