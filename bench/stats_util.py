"""Percentiles and a one-line summary of latencies, shared by the benches."""

from __future__ import annotations

import statistics


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(latencies_ms, 50),
        "p95": percentile(latencies_ms, 95),
        "p99": percentile(latencies_ms, 99),
        "mean": statistics.fmean(latencies_ms) if latencies_ms else float("nan"),
    }
