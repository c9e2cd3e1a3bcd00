"""Decide what each column of a table is, so users get sensible defaults.

The kinds drive the upload page: NUMBER, CATEGORY and BOOLEAN columns are
offered as features, IDENTIFIER / TEXT / DATE / CONSTANT / UNUSED columns are
shown but left out because a model would only memorise them (a row id), could
not use them as they are (free text; a date, which is used through its month,
day of the week and season instead, see :mod:`.dates`) or was asked not to.
The user may override a column's kind (:data:`OVERRIDABLE_KINDS`,
:meth:`ColumnProfile.with_kind`).

:func:`default_row_label` picks the column that names the rows (the likeliest
answer column is chosen in :mod:`.targets`). :func:`check_target` says,
before any training, whether a column can be predicted at all (with the
numbers a hold-out needs) and which of its classes are too rare to learn well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from limelight.values import value_text

from .dates import looks_like_dates
from .reading import TableError

__all__ = [
    "MAX_CLASSES",
    "OVERRIDABLE_KINDS",
    "ColumnKind",
    "ColumnProfile",
    "TargetError",
    "TargetSummary",
    "check_target",
    "default_row_label",
    "describe_kind",
    "row_label_candidates",
    "profile_columns",
    "sorted_classes",
]

# Below this many rows "every value is different" happens by chance too often
# to call a column an identifier.
_MIN_ROWS_FOR_UNIQUE = 20
# The identifier rule. A column is an identifier (it names a row, and a model
# would only memorise it) when, with at least 20 rows, its values are nearly all
# different: distinct values >= 90% of the rows, so patient numbers that repeat
# now and then (645 distinct in 699 rows) and names with a few twins (the zoo
# has two frogs) still count. That alone would also catch measurements, so:
#   * text: short values (under 5 words on average; longer ones are free text);
#   * numbers: whole numbers only (a measurement like 71.3 kg never is one),
#     and either named like an id ("id", "patient_no", "RecordNumber") or a
#     running number: at least 90% of the steps from one row to the next go up,
#     over a range no wider than twice the rows (1, 2, 3…, with gaps). A column
#     of whole grams in shuffled order is a number, not an identifier;
#   * dates keep their kind (used through month, day of the week and season);
#     a date column whose values are nearly all different may be chosen as the
#     row label, but is never the default one (default_row_label).
_NEARLY_UNIQUE = 0.9
_RUNNING_STEPS = 0.9
_RUNNING_SPAN = 2
_TEXT_WORDS = 5
_ID_WORDS = frozenset({"id", "no", "nr", "number", "index", "key", "code"})
_EXAMPLES = 3
# Integer columns with this few values are codes (chest-pain type 1-4, number
# of vessels 0-3) more often than measurements...
_MAX_CODE_VALUES = 10
# ...but only when each value repeats: a 12-row file whose integer column has
# 10 different values is more likely a measurement than a code.
_ROWS_PER_CODE = 3
_BOOLEAN_PAIRS = frozenset(
    frozenset(pair) for pair in (("0", "1"), ("true", "false"), ("yes", "no"), ("y", "n"), ("t", "f"))
)

MAX_CLASSES = 50
# What the hold-out split needs (limelight.fitting.holdout_split, stratified
# by class, and limelight.tabular.training): at least 10 rows with a value to
# predict, of which a quarter, and at least one of every class, are held out to
# test the model; so every class needs 2 rows, one to learn from and one to test
# on. (With 2 per class the rows left to learn from always hold every class:
# n - max(n/4, k) >= k when n >= 2k.)
MIN_LABELLED_ROWS = 10
MIN_ROWS_PER_CLASS = 2
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
    UNUSED = "unused"


# The kinds a user may set a column to on the upload page. CONSTANT is not
# among them: it is a fact about the data, not a choice.
OVERRIDABLE_KINDS: tuple[ColumnKind, ...] = (
    ColumnKind.NUMBER,
    ColumnKind.CATEGORY,
    ColumnKind.BOOLEAN,
    ColumnKind.IDENTIFIER,
    ColumnKind.TEXT,
    ColumnKind.DATE,
    ColumnKind.UNUSED,
)
_FEATURE_KINDS = frozenset({ColumnKind.NUMBER, ColumnKind.CATEGORY, ColumnKind.BOOLEAN})

_KIND_DESCRIPTIONS = {
    ColumnKind.NUMBER: "a measurement or an amount: used to predict",
    ColumnKind.CATEGORY: "one of a few values, like a colour or a type: used to predict",
    ColumnKind.BOOLEAN: "yes or no: used to predict",
    ColumnKind.IDENTIFIER: "unique per row, like a name or an id: not used to predict",
    ColumnKind.TEXT: "free text: a text model can read it (choose it under “Predict from”)",
    ColumnKind.DATE: (
        "a date: used through its month and season (the columns after it), and its day of the week "
        "when the rows are daily"
    ),
    ColumnKind.CONSTANT: "the same in every row: not used",
    ColumnKind.UNUSED: "left out: not used to predict (choose another type to use it)",
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
    """Profile every column of ``frame``, in column order.

    The reader's notes in ``frame.attrs`` win over the guess: the nameless first
    column (row names) is an identifier, derived columns left out until asked
    for (a date's year) are unused.
    """
    row_label = frame.attrs.get("row_label", "")
    unused = set(frame.attrs.get("unused", ()))
    profiles = []
    for name in frame.columns:
        profile = _profile(str(name), frame[name])
        if name == row_label and profile.kind != ColumnKind.CONSTANT:
            profile = replace(profile, kind=ColumnKind.IDENTIFIER)
        elif name in unused and profile.kind != ColumnKind.CONSTANT:
            profile = replace(profile, kind=ColumnKind.UNUSED)
        profiles.append(profile)
    return profiles


def row_label_candidates(profiles: list[ColumnProfile], n_rows: int) -> list[str]:
    """Columns that could name the rows: identifiers, and dates whose values are nearly all different."""
    return [
        p.name
        for p in profiles
        if p.kind == ColumnKind.IDENTIFIER or (p.kind == ColumnKind.DATE and p.distinct >= _NEARLY_UNIQUE * n_rows)
    ]


def default_row_label(profiles: list[ColumnProfile], n_rows: int, *, nameless: str = "") -> str:
    """The column that names the rows: the file's nameless first column, else the first
    identifier (one named like an id first); "" if none.

    Never a date: the model uses a date through its month, day of the week and
    season, so it cannot also be the column "never used to predict". A person may
    still choose one (:func:`row_label_candidates`)."""
    if nameless:
        return nameless
    identifiers = [p.name for p in profiles if p.kind == ColumnKind.IDENTIFIER]
    named = [name for name in identifiers if _looks_like_id_name(name)]
    return (named or identifiers or [""])[0]


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
    nearly_unique = enough_rows and distinct >= _NEARLY_UNIQUE * len(column)
    if pd.api.types.is_numeric_dtype(column):
        values = present.to_numpy(dtype="float64")
        integers = bool(np.all(np.mod(values, 1) == 0))
        if nearly_unique and integers and (_looks_like_id_name(name) or _running_number(values)):
            return ColumnKind.IDENTIFIER
        if integers and distinct <= _MAX_CODE_VALUES and len(present) >= _ROWS_PER_CODE * distinct:
            return ColumnKind.CATEGORY
        return ColumnKind.NUMBER
    texts = present.astype(str)
    if looks_like_dates(texts):
        return ColumnKind.DATE
    mean_words = float(texts.str.split().str.len().mean())
    if nearly_unique:
        return ColumnKind.TEXT if mean_words >= _TEXT_WORDS else ColumnKind.IDENTIFIER
    if mean_words >= _TEXT_WORDS and distinct > 0.5 * len(present):
        return ColumnKind.TEXT
    return ColumnKind.CATEGORY


def _is_boolean_pair(values: np.ndarray) -> bool:
    """0/1, true/false, yes/no, y/n or t/f in any case; other pairs stay categories."""
    return frozenset(value_text(value).strip().lower() for value in values) in _BOOLEAN_PAIRS


def _running_number(values: np.ndarray) -> bool:
    """Row numbers, with gaps: nearly every step goes up, over a range no wider than twice the rows."""
    if len(values) < 2:
        return False
    steps_up = float(np.mean(np.diff(values) > 0))
    span = float(values.max() - values.min()) + 1
    return steps_up >= _RUNNING_STEPS and span <= _RUNNING_SPAN * len(values)


def _looks_like_id_name(name: str) -> bool:
    """'id', 'patient_id', 'PatientID', 'row number', 'Index'... as whole words."""
    words = _words(name)
    if not words:
        return False
    return words[-1] in _ID_WORDS or words[0] == "id"


def _words(name: str) -> list[str]:
    # Split snake_case, kebab-case, spaces and camelCase into lower-case words.
    return [word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]


def sorted_classes(labels: pd.Series) -> list[Any]:
    """The distinct non-missing values of ``labels``: numbers as numbers (2 before 10), else as text."""
    values = list(pd.unique(labels.dropna()))
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=value_text)


class TargetError(TableError):
    """Why a column cannot be predicted. ``reason`` is a short key ("empty", "one value", "too many
    values", "no repeats", "too few rows", "rare class"), so that a page can say in one sentence why
    no column of a file can be (:func:`.targets.no_target_message`)."""

    def __init__(self, column: str, reason: str, message: str) -> None:
        super().__init__(f"“{column}”: {message}")
        self.column = column
        self.reason = reason


def _check_enough_rows(target: str, names: list[str], counts: list[int]) -> None:
    """Refuse, with the numbers, a column whose rows are too few for a hold-out (see MIN_LABELLED_ROWS)."""
    total = sum(counts)
    if total < MIN_LABELLED_ROWS:
        raise TargetError(
            target,
            "too few rows",
            f"only {total} rows have a value; at least {MIN_LABELLED_ROWS} are needed, "
            "so that some can be held out to test the model. Add rows to the file.",
        )
    too_few = [(name, count) for name, count in zip(names, counts, strict=True) if count < MIN_ROWS_PER_CLASS]
    if too_few:
        name, count = too_few[0]
        others = len(too_few) - 1
        more = f" (and {others} more class{'es' if others != 1 else ''})" if others else ""
        raise TargetError(
            target,
            "rare class",
            f"the class “{name}” has {count} row{'s' if count != 1 else ''}{more}; each class needs at least "
            f"{MIN_ROWS_PER_CLASS} rows so that one can be held out to test the model and one learned from. "
            f"Add rows of “{name}”, or choose another column to predict.",
        )


@dataclass(frozen=True)
class TargetSummary:
    """The classes of a column to predict, their row counts and any warnings, in plain words."""

    classes: tuple[str, ...]
    counts: tuple[int, ...]
    warnings: tuple[str, ...]


def check_target(frame: pd.DataFrame, target: str) -> TargetSummary:
    """Whether ``target`` can be predicted as classes; raises :class:`TargetError` (naming the
    column first: "“carb”: the class “6” has 1 row…") if not.

    Errors: the column is empty, has one class, more than :data:`MAX_CLASSES`
    classes (likely a number or a name to predict), every class has a single
    row, fewer than :data:`MIN_LABELLED_ROWS` rows have a value or a class has
    fewer than :data:`MIN_ROWS_PER_CLASS`. Rare classes (fewer than 5 rows, or
    under 1% of the rows) are warnings: the model can train, but will know
    little about them. Numbers with few values are classes, shown as "1" not "1.0".
    """
    if target not in frame.columns:
        raise TableError(f"The table has no column called “{target}”.")
    labels = frame[target].dropna()
    if len(labels) == 0:
        raise TargetError(target, "empty", "the column is empty in every row, so there is nothing to learn.")
    values = sorted_classes(labels)
    names = [value_text(value) for value in values]
    if len(values) == 1:
        raise TargetError(
            target,
            "one value",
            f"the column has only one value (“{names[0]}”); a model needs at least two classes to tell apart.",
        )
    if len(values) > MAX_CLASSES:
        if pd.api.types.is_numeric_dtype(labels):
            raise TargetError(
                target,
                "too many values",
                f"the column has {len(values):,} different numbers, too many to be categories "
                f"(2–{MAX_CLASSES} classes); predict it as an amount instead.",
            )
        raise TargetError(
            target,
            "too many values",
            f"the column has {len(values):,} different values; Limelight predicts categories "
            f"(2–{MAX_CLASSES} classes) or amounts. Is this a name or a free-text column? "
            "Choose a column with fewer values, such as a yes/no answer or a type.",
        )
    counts_by_value = labels.value_counts()
    counts = [int(counts_by_value[value]) for value in values]
    if max(counts) == 1:
        raise TargetError(
            target,
            "no repeats",
            "every value appears in only one row, so there are no classes to learn. "
            "Choose a column whose values repeat, such as a yes/no answer or a type.",
        )
    _check_enough_rows(target, names, counts)
    rare = [
        (name, count)
        for name, count in zip(names, counts, strict=True)
        if count < _RARE_ROWS or count < _RARE_SHARE * len(labels)
    ]
    notes: list[str] = []
    if rare:
        shown = ", ".join(f'"{name}" ({count:,} rows)' for name, count in rare[:_NAMED_RARE])
        if len(rare) > _NAMED_RARE:
            shown += f" and {len(rare) - _NAMED_RARE} more"
        noun = "class has" if len(rare) == 1 else "classes have"
        notes.append(
            f"The {noun} very few rows: {shown}. The model will know little about "
            f"{'it' if len(rare) == 1 else 'them'}, and its accuracy there is guesswork."
        )
    return TargetSummary(classes=tuple(names), counts=tuple(counts), warnings=tuple(notes))
