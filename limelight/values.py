"""How a value reads on a page, in a rule and in an export: the one place that decides.

A cell reads as the file wrote it (3.0 as "3", 2.5 as "2.5", a code stored as
1.0 as "1"); a missing cell reads "(missing)". Bin edges have two forms: LIME's
conditions keep two decimals, as the reference lime writes them ("age <= 37.00"),
and an Anchors rule shows every digit of its (already rounded) edge, so the text
is exactly the condition that was tested.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

MISSING_TEXT = "(missing)"


def is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def value_text(value: object) -> str:
    """A cell the way a person would write it."""
    if is_missing(value):
        return MISSING_TEXT
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else np.format_float_positional(value, trim="-")
    return str(value)


def two_decimals(x: float) -> str:
    return f"{x:.2f}"


def edge_text(x: float) -> str:
    """An edge with at least two decimals and every digit it has (so the text is the edge)."""
    shortest = np.format_float_positional(x, trim="-")
    decimals = len(shortest.split(".")[1]) if "." in shortest else 0
    return f"{x:.{max(2, decimals)}f}"


def json_value(value: Any) -> Any:
    """A cell as JSON: numbers stay numbers, missing becomes null."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
