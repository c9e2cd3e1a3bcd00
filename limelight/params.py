"""Whole numbers from a request's query or form, read the one careful way.

A view never calls ``int()`` on what a person (or a script) typed: "abc", "²",
"-1" and a number too large for the database all read as "not given", so the
lookup that follows finds nothing and the page says so, rather than a 500.
"""

from __future__ import annotations

_ASCII_DIGITS = frozenset("0123456789")
LARGEST_ID = 2**63 - 1  # the largest id a database column holds


def whole_number(text: str | None, *, low: int = 0, high: int = LARGEST_ID) -> int | None:
    """`text` as an int in [low, high], or None when it is anything else."""
    text = (text or "").strip()
    if not text or len(text) > 19 or not set(text) <= _ASCII_DIGITS:
        return None
    value = int(text)
    return value if low <= value <= high else None
