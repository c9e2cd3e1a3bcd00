"""Decide what each column of a table is, so users get sensible defaults.

The kinds drive the upload page: NUMBER and CATEGORY columns are offered as
features, IDENTIFIER / TEXT / CONSTANT columns are shown but left out by
default because a model would only memorise them (a row id) or could not use
them at all (free text, a single value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ColumnKind", "ColumnProfile", "default_target", "format_value", "profile_columns"]

# Below this many rows "every value is different" happens by chance too often
# to call a column an identifier.
_MIN_ROWS_FOR_UNIQUE = 20
# Strings repeat now and then in name columns (the zoo data set has two
# frogs), so "unique" for strings tolerates a few repeats.
_NEARLY_UNIQUE = 0.95
_TEXT_WORDS = 5
_ID_WORDS = frozenset({"id", "no", "number", "index", "key"})
_EXAMPLES = 3


class ColumnKind(StrEnum):
    """What a column holds, as far as training a model is concerned."""

    NUMBER = "number"
    CATEGORY = "category"
    TEXT = "text"
    IDENTIFIER = "identifier"
    CONSTANT = "constant"


@dataclass(frozen=True)
class ColumnProfile:
    """A summary of one column: its kind, gaps, variety and a few example values."""

    name: str
    kind: ColumnKind
    missing: int
    distinct: int
    examples: tuple[str, ...]

    @property
    def usable_as_feature(self) -> bool:
        """Whether a model can learn from this column (numbers and categories)."""
        return self.kind in (ColumnKind.NUMBER, ColumnKind.CATEGORY)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; :meth:`from_dict` reverses it."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "missing": self.missing,
            "distinct": self.distinct,
            "examples": list(self.examples),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnProfile:
        """Rebuild a profile from :meth:`to_dict` output (e.g. read from a JSONField)."""
        return cls(
            name=str(data["name"]),
            kind=ColumnKind(data["kind"]),
            missing=int(data["missing"]),
            distinct=int(data["distinct"]),
            examples=tuple(str(example) for example in data["examples"]),
        )


def format_value(value: Any) -> str:
    """Show a cell the way a person would write it: 3.0 as "3", 2.5 as "2.5"."""
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, np.integer | np.bool_):
        return str(value.item())
    return str(value)


def profile_columns(frame: pd.DataFrame) -> list[ColumnProfile]:
    """Profile every column of ``frame``, in column order."""
    return [_profile(str(name), frame[name]) for name in frame.columns]


def default_target(profiles: list[ColumnProfile]) -> str:
    """The column to predict unless the user picks another.

    By convention the label is the last column; skip trailing identifiers,
    free text and constants, which cannot be predicted meaningfully.
    """
    if not profiles:
        raise ValueError("default_target needs at least one column profile")
    unsuitable = (ColumnKind.IDENTIFIER, ColumnKind.CONSTANT, ColumnKind.TEXT)
    for profile in reversed(profiles):
        if profile.kind not in unsuitable:
            return profile.name
    return profiles[-1].name


def _profile(name: str, column: pd.Series) -> ColumnProfile:
    present = column.dropna()
    missing = int(len(column) - len(present))
    uniques = pd.unique(present)
    distinct = len(uniques)
    examples = tuple(format_value(value) for value in uniques[:_EXAMPLES])
    kind = _kind(name, column, present, distinct)
    return ColumnProfile(name=name, kind=kind, missing=missing, distinct=distinct, examples=examples)


def _kind(name: str, column: pd.Series, present: pd.Series, distinct: int) -> ColumnKind:
    if distinct <= 1:
        return ColumnKind.CONSTANT
    enough_rows = len(column) >= _MIN_ROWS_FOR_UNIQUE
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = present.to_numpy(dtype="float64")
        unique_per_row = distinct == len(column)  # also implies nothing is missing
        integers = bool(np.all(np.mod(values, 1) == 0))
        if (
            enough_rows
            and unique_per_row
            and integers
            and (present.is_monotonic_increasing or _looks_like_id_name(name))
        ):
            return ColumnKind.IDENTIFIER
        return ColumnKind.NUMBER
    texts = present.astype(str)
    mean_words = float(texts.str.split().str.len().mean())
    if enough_rows and distinct >= _NEARLY_UNIQUE * len(column):
        return ColumnKind.TEXT if mean_words >= _TEXT_WORDS else ColumnKind.IDENTIFIER
    if mean_words >= _TEXT_WORDS and distinct > 0.5 * len(present):
        return ColumnKind.TEXT
    return ColumnKind.CATEGORY


def _looks_like_id_name(name: str) -> bool:
    """'id', 'patient_id', 'PatientID', 'row number', 'Index'... as whole words."""
    # Split snake_case, kebab-case, spaces and camelCase into lower-case words.
    words = [word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]
    if not words:
        return False
    return words[-1] in _ID_WORDS or words[0] == "id"
