"""Which column a person means to predict: the columns that may be chosen, and the likeliest one.

The likeliest is the best :func:`target_score` among the columns that pass the
training checks (:func:`.profiling.check_target`): a column with a class of
one row (mtcars' ``carb``), a measurement (diamonds' ``y``) or one whose
classes a hold-out cannot test (airports' ``country``) is never preselected.
When no column passes, :func:`no_target_message` says so, and why, once.

Amounts (:mod:`.tasks`): a column of many numbers is a valid target too, but only
when no category fits: a file with a clear answer column ("species") and a weight
keeps the answer preselected, and a file of measurements alone preselects the
likeliest amount.
"""

from __future__ import annotations

import pandas as pd

from .profiling import (
    _MAX_CODE_VALUES,
    MAX_CLASSES,
    MIN_LABELLED_ROWS,
    MIN_ROWS_PER_CLASS,
    ColumnKind,
    ColumnProfile,
    TargetError,
    _looks_like_id_name,
    _words,
    check_target,
)
from .tasks import REGRESSION, check_amount_target, default_task

__all__ = ["default_target", "no_target_message", "target_candidates", "target_score"]

# Names people give the column they want predicted, as whole words.
_OUTCOME_WORDS = frozenset(
    {
        "target", "class", "label", "outcome", "diagnosis", "result", "y", "survived", "weather",
        "species", "status", "response", "churn", "default", "income", "category", "decision",
        "disease", "condition", "grade", "quality", "type", "num", "goal", "verdict", "approved",
        "vote", "voted", "died", "death", "dead", "alive", "survival", "admitted", "passed", "fraud",
        "spam", "sentiment", "risk", "won", "winner", "success", "churned", "attrition", "purchased",
    }
)  # fmt: skip
_TARGET_KINDS = frozenset({ColumnKind.CATEGORY, ColumnKind.BOOLEAN, ColumnKind.NUMBER})
# Over this many values a column is more like a coded attribute (an occupation
# code) or a measurement than an answer a person wants predicted.
_MANY_VALUES = 20


def target_candidates(profiles: list[ColumnProfile], *, row_label: str = "") -> list[ColumnProfile]:
    """The columns a person may choose to predict: categories, yes/no and numbers, in file order.

    Identifiers, the row label, dates (and the parts derived from them), free
    text, constant and unused columns are not answers a model can learn.
    """
    derived = {f"{p.name}: " for p in profiles if p.kind == ColumnKind.DATE}
    return [
        p
        for p in profiles
        if p.kind in _TARGET_KINDS and p.name != row_label and not any(p.name.startswith(d) for d in derived)
    ]


def target_score(profile: ColumnProfile) -> int:
    """How much a column looks like the answer a person wants predicted; higher is likelier.

    * +4 named like an outcome ("diagnosis", "survived", "class", "vote"…), unless
      the name ends like a code or an id ("income_code"): that is a coded attribute;
    * +2 few values (2 to 10), as answers have; -2 many (over 20), as codes and
      measurements have;
    * +1 a category or yes/no rather than a number, and +1 more for yes/no.
    """
    points = 4 if set(_words(profile.name)) & _OUTCOME_WORDS and not _looks_like_id_name(profile.name) else 0
    if 2 <= profile.distinct <= _MAX_CODE_VALUES:
        points += 2
    elif profile.distinct > _MANY_VALUES:
        points -= 2
    points += 1 if profile.kind != ColumnKind.NUMBER else 0
    points += 1 if profile.kind == ColumnKind.BOOLEAN else 0
    return points


def _ranked(profiles: list[ColumnProfile], row_label: str) -> list[ColumnProfile]:
    """The candidates, likeliest first. Of equal scores, the one with fewer values first (an answer
    has few classes: diamonds' cut, 5, before clarity, 8), then the right-most column, since files
    usually put the answer last."""
    candidates = list(enumerate(target_candidates(profiles, row_label=row_label)))
    candidates.sort(key=lambda item: (target_score(item[1]), -item[1].distinct, item[0]), reverse=True)
    return [profile for _, profile in candidates]


def default_target(profiles: list[ColumnProfile], *, row_label: str = "", frame: pd.DataFrame | None = None) -> str:
    """The likeliest answer column: the column to predict unless the user picks another.

    The best :func:`target_score` among :func:`target_candidates`; of equal
    scores the one with fewer values, then the right-most column. Given the
    ``frame``, columns that fail :func:`check_target` are skipped; if every one
    fails, the likeliest is still returned (a form needs a choice) and
    :func:`no_target_message` says why none will train.
    With no candidate at all, the last column.
    """
    if not profiles:
        raise ValueError("default_target needs at least one column profile")
    ranked = _ranked(profiles, row_label)
    if not ranked:
        return profiles[-1].name
    if frame is not None:
        for profile in ranked:
            if _failure(frame, profile.name) is None:
                return profile.name
        for profile in ranked:  # no category fits: the likeliest amount
            if _amount_failure(frame, profile.name) is None:
                return profile.name
    return ranked[0].name


def _failure(frame: pd.DataFrame, column: str) -> TargetError | None:
    try:
        check_target(frame, column)
    except TargetError as error:
        return error
    return None


def _amount_failure(frame: pd.DataFrame, column: str) -> TargetError | None:
    """Why ``column`` cannot be learned as an amount (None when it can): it is not one, or too thin."""
    if column not in frame.columns or default_task(frame, column) != REGRESSION:
        return TargetError(column, "not an amount", "is not a column of many numbers")
    try:
        check_amount_target(frame, column)
    except TargetError as error:
        return error
    return None


# Why a column cannot be predicted, as said of one column ("has…") and of several ("have…").
_REASON_WORDS = {
    "empty": ("is empty", "are empty"),
    "one value": ("has only one value", "have only one value"),
    "too many values": (
        f"has more than {MAX_CLASSES} different values",
        f"have more than {MAX_CLASSES} different values",
    ),
    "no repeats": ("has no value that repeats", "have no value that repeats"),
    "too few rows": ("has too few rows with a value", "have too few rows with a value"),
    "rare class": ("has a class with only 1 row", "have a class with only 1 row"),
}
_REASON_WHY = {
    "too many values": f" (Limelight predicts categories, 2 to {MAX_CLASSES} classes)",
    "rare class": f" (each class needs {MIN_ROWS_PER_CLASS}, one to learn from and one to test on)",
    "too few rows": f" (at least {MIN_LABELLED_ROWS} are needed, so that some can be held out to test the model)",
}
_NAMED_COLUMNS = 3


def no_target_message(frame: pd.DataFrame, profiles: list[ColumnProfile], *, row_label: str = "") -> str:
    """One sentence saying that no column of the file can be predicted, and why; "" when one can.

    The reasons are grouped ("“city”, “state” and 2 more have more than 50
    different values"), so a file of many columns gets one message, not one per column.
    """
    candidates = _ranked(profiles, row_label)
    if not candidates:
        return (
            "No column in this file can be predicted: every column is an identifier, free text, a date "
            "or the same in every row. Upload a file with a column of a few categories to predict."
        )
    by_reason: dict[str, list[str]] = {}
    for profile in candidates:
        failure = _failure(frame, profile.name)
        if failure is None or _amount_failure(frame, profile.name) is None:
            return ""
        by_reason.setdefault(failure.reason, []).append(profile.name)
    # Reasons in the order of the likeliest column they stop; the columns of each in file order.
    order = {profile.name: position for position, profile in enumerate(profiles)}
    parts = []
    for reason, names in by_reason.items():
        names.sort(key=order.__getitem__)
        parts.append(f"{_column_list(names)} {_REASON_WORDS[reason][len(names) > 1]}{_REASON_WHY.get(reason, '')}")
    return (
        f"No column in this file can be predicted: {'; '.join(parts)}. Upload a file with a column of a few "
        f"categories to predict, such as a yes/no answer, with at least {MIN_ROWS_PER_CLASS} rows of each."
    )


def _column_list(names: list[str]) -> str:
    """“a”, “b”, “c” and 2 more: at most three columns by name."""
    shown = [f"“{name}”" for name in names[:_NAMED_COLUMNS]]
    if len(names) > _NAMED_COLUMNS:
        return f"{', '.join(shown)} and {len(names) - _NAMED_COLUMNS} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
