"""Dates as people think of them: a date column becomes its month, day of the week and season.

A model cannot learn from "2012-07-14" as it is (every day is a new value), and
an explanation in days would say nothing; "July", "Saturday" and "summer" repeat,
so a model can learn from them and an explanation can name them. The derived
columns are added when the file is read, beside the date itself, so the
pipeline, LIME, Anchors and what-if all see them as ordinary category columns
and the explained row shows them. The year is derived too but left out of the
model unless the person asks for it (its kind is "unused" until they change
it), because next year's rows would carry a year the model never saw.

Seasons are the meteorological seasons of the northern hemisphere: winter is
December to February, spring March to May, summer June to August, autumn
September to November.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

__all__ = [
    "DATE_PARTS",
    "YEAR_PART",
    "add_date_parts",
    "derived_names",
    "looks_like_dates",
    "parse_dates",
]

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

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Meteorological seasons, northern hemisphere: month number -> season.
_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}
_SEASONS |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}

# The parts used to predict, in the order they follow the date column; the
# year is added last and left out of the model until asked for.
DATE_PARTS = ("month", "day of the week", "season")
YEAR_PART = "year"


def derived_names(column: str) -> dict[str, str]:
    """Part -> the derived column's name, e.g. ``"season" -> "date: season"``."""
    return {part: f"{column}: {part}" for part in (*DATE_PARTS, YEAR_PART)}


def looks_like_dates(texts: pd.Series) -> bool:
    """Whether at least 90% of the values (not of the distinct values) are dates."""
    texts = texts.dropna().astype(str)
    if texts.empty:
        return False
    # The most frequent distinct values, each weighted by how often it occurs.
    counts = texts.value_counts().iloc[:_DATE_SAMPLE]
    uniques = pd.Series(counts.index.to_numpy(dtype=object), dtype=object)
    weights = counts.to_numpy(dtype="float64")
    shaped = uniques.str.fullmatch(_DATE_SHAPE).fillna(False).to_numpy(dtype=bool)
    if weights[shaped].sum() < _DATE_SHARE * weights.sum():
        return False
    parsed = _to_datetime(uniques[shaped]).notna().to_numpy()
    return bool(weights[shaped][parsed].sum() >= _DATE_SHARE * weights.sum())


def parse_dates(texts: pd.Series) -> pd.Series:
    """The values as timestamps (NaT where a value is missing or not a date), parsing each distinct value once."""
    present = texts.dropna().astype(str)
    uniques = pd.Series(pd.unique(present), dtype=object)
    shaped = uniques[uniques.str.fullmatch(_DATE_SHAPE).fillna(False).to_numpy(dtype=bool)]
    lookup = dict(zip(shaped, _to_datetime(shaped), strict=True))
    return pd.Series([lookup.get(value, pd.NaT) for value in texts.astype(object)], index=texts.index)


def add_date_parts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The frame with each date column's parts inserted after it, and the names of the year columns.

    Only text columns that :func:`looks_like_dates` are expanded; a part whose
    name is already a column of the file is not added (the file's own wins).
    """
    columns: dict[str, pd.Series] = {}
    years: list[str] = []
    for name in frame.columns:
        column = frame[name]
        columns[name] = column
        if pd.api.types.is_numeric_dtype(column) or not looks_like_dates(column):
            continue
        stamps = parse_dates(column)
        present = stamps.notna().to_numpy()
        months = stamps.dt.month.to_numpy()
        weekdays = stamps.dt.day_of_week.to_numpy()
        parts = {
            "month": [_MONTHS[int(m) - 1] if ok else None for m, ok in zip(months, present, strict=True)],
            "day of the week": [_WEEKDAYS[int(d)] if ok else None for d, ok in zip(weekdays, present, strict=True)],
            "season": [_SEASONS[int(m)] if ok else None for m, ok in zip(months, present, strict=True)],
        }
        names = derived_names(str(name))
        for part, values in parts.items():
            if names[part] not in frame.columns:
                columns[names[part]] = pd.Series([np.nan if v is None else v for v in values], dtype="str")
        if names[YEAR_PART] not in frame.columns:
            columns[names[YEAR_PART]] = pd.Series(stamps.dt.year.to_numpy(dtype="float64"), dtype="float64")
            years.append(names[YEAR_PART])
    if len(columns) == len(frame.columns):
        return frame, []
    return pd.DataFrame(columns), years


def _to_datetime(values: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        # Mixed day-first / month-first values make pandas warn; NaT for what
        # cannot be read is the answer we want, not the warning.
        warnings.simplefilter("ignore")
        # utc=True: values with different offsets still give one datetime column
        # (a naive value is taken as it is written).
        return pd.to_datetime(values, format="mixed", errors="coerce", utc=True)
