"""Waiting for something another process does: one helper for the integration tests and the cluster bench.

No Django here, so bench/cluster.py can use it without settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1):
    """``condition()``'s first truthy value, asked every ``interval`` s; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")
