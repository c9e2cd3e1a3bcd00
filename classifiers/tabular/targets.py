"""Which column a person means to predict: the columns that may be chosen, and the likeliest one."""

from __future__ import annotations

from .profiling import _MAX_CODE_VALUES, ColumnKind, ColumnProfile, _words

__all__ = ["default_target", "target_candidates"]

# Names people give the column they want predicted, as whole words.
_OUTCOME_WORDS = frozenset(
    {
        "target", "class", "label", "outcome", "diagnosis", "result", "y", "survived", "weather",
        "species", "status", "response", "churn", "default", "income", "category", "decision",
        "disease", "condition", "grade", "quality", "type", "num", "goal", "verdict", "approved",
    }
)  # fmt: skip
_TARGET_KINDS = frozenset({ColumnKind.CATEGORY, ColumnKind.BOOLEAN, ColumnKind.NUMBER})


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


def default_target(profiles: list[ColumnProfile], *, row_label: str = "") -> str:
    """The likeliest answer column: the column to predict unless the user picks another.

    Among :func:`target_candidates`, the best score wins: a name like an
    outcome ("class", "diagnosis", "survived"…) counts most, then few distinct
    values (2 to 10, as answers have), then being a category or yes/no rather
    than a number; ties go to the later column (files often end with the
    answer). With no candidate at all, the last column.
    """
    if not profiles:
        raise ValueError("default_target needs at least one column profile")
    candidates = target_candidates(profiles, row_label=row_label)
    if not candidates:
        return profiles[-1].name

    def score(item: tuple[int, ColumnProfile]) -> tuple[int, int]:
        position, profile = item
        points = 4 if set(_words(profile.name)) & _OUTCOME_WORDS else 0
        points += 2 if 2 <= profile.distinct <= _MAX_CODE_VALUES else 0
        points += 1 if profile.kind != ColumnKind.NUMBER else 0
        return points, position

    return max(enumerate(candidates), key=score)[1].name
