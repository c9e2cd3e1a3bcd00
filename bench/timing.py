"""Timing helpers: interleaved repeats, medians, peak memory."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping
from typing import Any


def wall(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once; return (seconds, result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def interleaved(fns: Mapping[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median seconds of each callable, run pair by pair (a, b, c, a, b, c, ...).

    Interleaving spreads machine noise (another process, thermal state)
    evenly over the contenders instead of penalising whichever ran last.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(wall(fn)[0])
    return {name: statistics.median(values) for name, values in samples.items()}


def peak_mb(fn: Callable[[], Any]) -> float:
    """Peak Python-traced allocation (MB) while ``fn`` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile ``q`` (0–100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
