"""The architecture rules of ARCHITECTURE.md as failing tests (in the style of Home Assistant's hassfest).

* the one import order: import-linter's ``layers`` contract in ``pyproject.toml``
  (``[tool.importlinter]``), lazy imports inside functions and ``TYPE_CHECKING`` imports included;
* no import cycle between modules (grimp's graph, the one import-linter builds);
* no folder with more than ``MAX_MODULES`` modules.

Exceptions are listed below with the reason; today there are none.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "channels", "connectors", "knowledge", "handover", "bot")
MAX_MODULES = 20
# (importer, imported) pairs allowed to close a cycle, each with its reason. None today.
CYCLE_EXCEPTIONS: dict[tuple[str, str], str] = {}


def test_the_import_order_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "1 kept, 0 broken" in run.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {
        m: {d for d in graph.find_modules_directly_imported_by(m) if (m, d) not in CYCLE_EXCEPTIONS}
        for m in graph.modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        comp.append(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, exclude_type_checking_imports=False)
    cycles = _cycles(graph)
    assert cycles == [], f"import cycles: {cycles}"


def test_no_folder_is_crowded() -> None:
    crowded = {}
    for pkg in PACKAGES:
        for folder in [ROOT / pkg, *(p.parent for p in (ROOT / pkg).rglob("__init__.py"))]:
            modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
            if len(modules) > MAX_MODULES:
                crowded[str(folder.relative_to(ROOT))] = len(modules)
    assert crowded == {}, f"folders with more than {MAX_MODULES} modules: {crowded}"
