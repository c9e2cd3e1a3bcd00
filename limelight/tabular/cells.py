"""One row's cells as the file wrote them, for what is printed and shown (not what is trained on).

Two things turn a file's whole numbers into floats on the way: taking a row of a frame
whose columns are all numbers (pandas gives the row one dtype, float when any column is
float), and a missing cell in a column of whole numbers (the column becomes float to hold
NaN). Either way a sample id ``1000025`` would print as ``1000025.0``, which is not what the
person sees in their file. Reading each cell from its own column avoids the first; the
second is undone for columns whose every present value is whole.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["row_as_written"]


def row_as_written(frame: pd.DataFrame, position: int) -> dict[str, Any]:
    """Row ``position`` (0-based, in file order) as {column name: cell}, whole numbers as ints."""
    return {str(column): _cell(frame[column], position) for column in frame.columns}


def _cell(column: pd.Series, position: int) -> Any:
    value = column.iat[position]
    whole = isinstance(value, float | np.floating) and math.isfinite(value) and float(value).is_integer()
    return int(value) if whole and _whole_numbers(column) else value


def _whole_numbers(column: pd.Series) -> bool:
    """Whether every present value of a number column is whole (as a column of integers with gaps is)."""
    if not pd.api.types.is_float_dtype(column.dtype):
        return False
    present = column.to_numpy(dtype=float)
    present = present[np.isfinite(present)]
    return bool(np.all(np.mod(present, 1) == 0))
