"""CPU time of a process tree, from ``/proc`` (Linux): what a bench's services spent, not how long they took."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found.setdefault(ppid, []).append(int(entry))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and everything it started (threads included)."""
    children = _children()
    todo, total = [pid], 0
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        todo += children.get(current, [])
    return total / TICKS


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named service's process tree."""
    return {name: cpu_seconds(pid) for name, pid in pids.items()}
