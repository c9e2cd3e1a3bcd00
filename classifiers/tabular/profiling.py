"""Decide what each column of a table is, so users get sensible defaults.

The kinds drive the upload page: NUMBER, CATEGORY and BOOLEAN columns are
offered as features, IDENTIFIER / TEXT / DATE / CONSTANT columns are shown but
left out by default because a model would only memorise them (a row id) or
could not use them yet (free text, dates, a single value). The user may
override a column's kind (:data:`OVERRIDABLE_KINDS`, :meth:`ColumnProfile.with_kind`).

:func:`check_target` says, before any training, whether a column can be
predicted at all and which of its classes are too rare to learn well.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from explanations.engine.values import value_text

from .reading import TableError

__all__ = [
    "MAX_CLASSES",
    "OVERRIDABLE_KINDS",
    "ColumnKind",
    "ColumnProfile",
    "TargetSummary",
    "check_target",
    "default_target",
    "describe_kind",
    "profile_columns",
    "sorted_classes",
]

# Below this many rows "every value is different" happens by chance too often
# to call a column an identifier.
_MIN_ROWS_FOR_UNIQUE = 20
# Strings repeat now and then in name columns (the zoo data set has two
# frogs), so "unique" for strings tolerates a few repeats.
_NEARLY_UNIQUE = 0.95
_TEXT_WORDS = 5
_ID_WORDS = frozenset({"id", "no", "number", "index", "key"})
_EXAMPLES = 3
# Integer columns with this few values are codes (chest-pain type 1-4, number
# of vessels 0-3) more often than measurements...
_MAX_CODE_VALUES = 10
# ...but only when each value repeats: a 12-row file whose integer column has
# 10 different values is more likely a measurement than a code.
_ROWS_PER_CODE = 3
# A string column is a date column when this share of its values are dates:
# a few typos or "unknown" should not hide a date column among the features.
_DATE_SHARE = 0.9
# Parsing is per value (dateutil) and slow; distinct values decide, and a
# sample of them is plenty.
_DATE_SAMPLE = 500
# Day/month/year in either order or ISO, optionally followed by a time. The
# shape check comes first because dateutil happily reads "may" or "march 3"
# (category values) as dates.
_DATE_SHAPE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_BOOLEAN_PAIRS = frozenset(
    frozenset(pair) for pair in (("0", "1"), ("true", "false"), ("yes", "no"), ("y", "n"), ("t", "f"))
)

MAX_CLASSES = 50
# A class below either bound is too rare for the model (and the held-out
# accuracy) to say much about it; it is a warning, not an error.
_RARE_ROWS = 5
_RARE_SHARE = 0.01
_NAMED_RARE = 5


class ColumnKind(StrEnum):
    """What a column holds, as far as training a model is concerned."""

    NUMBER = "number"
    CATEGORY = "category"
    TEXT = "text"
    IDENTIFIER = "identifier"
    CONSTANT = "constant"
    BOOLEAN = "boolean"
    DATE = "date"


# The kinds a user may set a column to on the upload page. CONSTANT is not
# among them: it is a fact about the data, not a choice.
OVERRIDABLE_KINDS: tuple[ColumnKind, ...] = (
    ColumnKind.NUMBER,
    ColumnKind.CATEGORY,
    ColumnKind.BOOLEAN,
    ColumnKind.IDENTIFIER,
    ColumnKind.TEXT,
    ColumnKind.DATE,
)
_FEATURE_KINDS = frozenset({ColumnKind.NUMBER, ColumnKind.CATEGORY, ColumnKind.BOOLEAN})

_KIND_DESCRIPTIONS = {
    ColumnKind.NUMBER: "a measurement or an amount: used to predict",
    ColumnKind.CATEGORY: "one of a few values, like a colour or a type: used to predict",
    ColumnKind.BOOLEAN: "yes or no: used to predict",
    ColumnKind.IDENTIFIER: "unique per row, like a name or an id: not used to predict",
    ColumnKind.TEXT: "free text: a text model can read it (choose it under “Predict from”)",
    ColumnKind.DATE: "dates are not used to predict yet",
    ColumnKind.CONSTANT: "the same in every row: not used",
}


def describe_kind(kind: ColumnKind | str) -> str:
    """What a kind means for the model, in plain words for the upload page."""
    return _KIND_DESCRIPTIONS[ColumnKind(kind)]


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
        """Whether a model can learn from this column (numbers, categories, yes/no)."""
        return self.kind in _FEATURE_KINDS

    def with_kind(self, kind: ColumnKind | str) -> ColumnProfile:
        """A copy with the kind the user chose; raises ValueError for a kind one cannot choose."""
        kind = ColumnKind(kind)
        if kind not in OVERRIDABLE_KINDS:
            raise ValueError(f"a column cannot be marked as {kind.value}")
        return replace(self, kind=kind)

    @staticmethod
    def role_choices() -> tuple[tuple[str, str], ...]:
        """``(value, plain description)`` pairs for the kinds a user may choose."""
        return tuple((kind.value, describe_kind(kind)) for kind in OVERRIDABLE_KINDS)

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
    examples = tuple(value_text(value) for value in uniques[:_EXAMPLES])
    kind = _kind(name, column, present, distinct)
    return ColumnProfile(name=name, kind=kind, missing=missing, distinct=distinct, examples=examples)


def _kind(name: str, column: pd.Series, present: pd.Series, distinct: int) -> ColumnKind:
    if distinct <= 1:
        return ColumnKind.CONSTANT
    if distinct == 2 and _is_boolean_pair(pd.unique(present)):
        return ColumnKind.BOOLEAN
    enough_rows = len(column) >= _MIN_ROWS_FOR_UNIQUE
    if pd.api.types.is_bool_dtype(column):
        return ColumnKind.BOOLEAN  # two values were handled above; this is defensive
    if pd.api.types.is_numeric_dtype(column):
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
        if integers and distinct <= _MAX_CODE_VALUES and len(present) >= _ROWS_PER_CODE * distinct:
            return ColumnKind.CATEGORY
        return ColumnKind.NUMBER
    texts = present.astype(str)
    if _looks_like_dates(texts):
        return ColumnKind.DATE
    mean_words = float(texts.str.split().str.len().mean())
    if enough_rows and distinct >= _NEARLY_UNIQUE * len(column):
        return ColumnKind.TEXT if mean_words >= _TEXT_WORDS else ColumnKind.IDENTIFIER
    if mean_words >= _TEXT_WORDS and distinct > 0.5 * len(present):
        return ColumnKind.TEXT
    return ColumnKind.CATEGORY


def _is_boolean_pair(values: np.ndarray) -> bool:
    """0/1, true/false, yes/no, y/n or t/f in any case; other pairs stay categories."""
    return frozenset(value_text(value).strip().lower() for value in values) in _BOOLEAN_PAIRS


def _looks_like_dates(texts: pd.Series) -> bool:
    """Whether at least 90% of the values (not of the distinct values) are dates."""
    # The most frequent distinct values, each weighted by how often it occurs.
    counts = texts.value_counts().iloc[:_DATE_SAMPLE]
    uniques = pd.Series(counts.index.to_numpy(dtype=object), dtype=object)
    weights = counts.to_numpy(dtype="float64")
    shaped = uniques.str.fullmatch(_DATE_SHAPE).fillna(False).to_numpy(dtype=bool)
    if weights[shaped].sum() < _DATE_SHARE * weights.sum():
        return False
    with warnings.catch_warnings():
        # Mixed day-first / month-first values make pandas warn; the share of
        # parsed values below is the answer we want, not the warning.
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(uniques[shaped], format="mixed", errors="coerce").notna().to_numpy()
    return bool(weights[shaped][parsed].sum() >= _DATE_SHARE * weights.sum())


def _looks_like_id_name(name: str) -> bool:
    """'id', 'patient_id', 'PatientID', 'row number', 'Index'... as whole words."""
    # Split snake_case, kebab-case, spaces and camelCase into lower-case words.
    words = [word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]
    if not words:
        return False
    return words[-1] in _ID_WORDS or words[0] == "id"


def sorted_classes(labels: pd.Series) -> list[Any]:
    """The distinct non-missing values of ``labels``: numbers as numbers (2 before 10), else as text."""
    values = list(pd.unique(labels.dropna()))
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=value_text)


@dataclass(frozen=True)
class TargetSummary:
    """The classes of a column to predict, their row counts and any warnings, in plain words."""

    classes: tuple[str, ...]
    counts: tuple[int, ...]
    warnings: tuple[str, ...]


def check_target(frame: pd.DataFrame, target: str) -> TargetSummary:
    """Whether ``target`` can be predicted as classes; raises :class:`TableError` if not.

    Errors: the column is absent or empty, has one class, more than
    :data:`MAX_CLASSES` classes (likely a number or a name to predict), or
    every class has a single row. Rare classes (fewer than 5 rows, or under
    1% of the rows) are warnings: the model can train, but will know little
    about them. Numbers with few values are classes, shown as "1" not "1.0".
    """
    if target not in frame.columns:
        raise TableError(f'The table has no column called "{target}".')
    labels = frame[target].dropna()
    if len(labels) == 0:
        raise TableError(f'The column "{target}" is empty in every row, so there is nothing to learn.')
    values = sorted_classes(labels)
    names = [value_text(value) for value in values]
    if len(values) == 1:
        raise TableError(
            f'The column you chose to predict, "{target}", has only one value ("{names[0]}"). '
            "A model needs at least two classes to tell apart."
        )
    if len(values) > MAX_CLASSES:
        hint = (
            "Is this a number to predict? Limelight cannot predict amounts yet; "
            if pd.api.types.is_numeric_dtype(labels)
            else "Is this a name or a free-text column? "
        )
        raise TableError(
            f'The column "{target}" has {len(values)} different values; Limelight predicts '
            f"categories (2–{MAX_CLASSES} classes). {hint}choose a column with fewer values, "
            "such as a yes/no answer or a type."
        )
    counts_by_value = labels.value_counts()
    counts = [int(counts_by_value[value]) for value in values]
    if max(counts) == 1:
        raise TableError(
            f'Every value of "{target}" appears in only one row, so there are no classes to learn. '
            "Choose a column whose values repeat, such as a yes/no answer or a type."
        )
    rare = [
        name
        for name, count in zip(names, counts, strict=True)
        if count < _RARE_ROWS or count < _RARE_SHARE * len(labels)
    ]
    notes: list[str] = []
    if rare:
        shown = ", ".join(f'"{name}"' for name in rare[:_NAMED_RARE])
        if len(rare) > _NAMED_RARE:
            shown += f" and {len(rare) - _NAMED_RARE} more"
        noun = "class has" if len(rare) == 1 else "classes have"
        notes.append(
            f"The {noun} very few rows: {shown}. The model will know little about "
            f"{'it' if len(rare) == 1 else 'them'}, and its accuracy there is guesswork."
        )
    return TargetSummary(classes=tuple(names), counts=tuple(counts), warnings=tuple(notes))
