"""Dates as people think of them: a date column becomes its month, day of the week and season.

A model cannot learn from "2012-07-14" as it is (every day is a new value), and
an explanation in days would say nothing; "July", "Saturday" and "summer" repeat,
so a model can learn from them and an explanation can name them. The derived
columns are added when the file is read, beside the date itself, so the
pipeline, LIME, Anchors and what-if all see them as ordinary category columns
and the explained row shows them. The year is derived too but left out of the
model unless the person asks for it (its kind is "unused" until they change
it), because next year's rows would carry a year the model never saw. The day
of the week is left out the same way unless the rows are daily activity
(:func:`is_daily`, :data:`WEEKDAY_RULE`).

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
    "WEEKDAY_PART",
    "WEEKDAY_RULE",
    "YEAR_PART",
    "add_date_parts",
    "derived_names",
    "is_daily",
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
WEEKDAY_PART = "day of the week"
# The day of the week is always offered but used from the start only when the
# rows are daily activity (sales, rentals, weather by day), where the weekday
# plausibly matters: at least 3 in 4 steps between one distinct day and the
# next are one day (working days only still count: 4 in 5), over at least four
# weeks, so that every weekday has several rows. For dates of birth, weekly or
# monthly rows it would be noise the model could fit by chance.
_DAILY_STEPS = 0.75
_DAILY_SPAN_DAYS = 28
WEEKDAY_RULE = (
    "the day of the week is used when the rows are daily (most dates one day after the one before, "
    "over at least four weeks), as in daily sales or weather, where the weekday can matter"
)


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


def is_daily(stamps: pd.Series) -> bool:
    """Whether the dates are daily activity (see :data:`WEEKDAY_RULE`): the distinct calendar days,
    in order, are mostly one day apart and span at least four weeks."""
    days = np.unique(stamps.dropna().dt.tz_localize(None).dt.normalize().to_numpy(dtype="datetime64[D]"))
    if len(days) < 2 or (days[-1] - days[0]).astype(int) < _DAILY_SPAN_DAYS:
        return False
    steps = np.diff(days).astype(int)
    return bool(np.mean(steps == 1) >= _DAILY_STEPS)


def add_date_parts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The frame with each date column's parts inserted after it, and the parts left out of the
    model until the person asks for them: every year, and the day of the week unless :func:`is_daily`.

    Only text columns that :func:`looks_like_dates` are expanded; a part whose
    name is already a column of the file is not added (the file's own wins).
    """
    columns: dict[str, pd.Series] = {}
    left_out: list[str] = []
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
            WEEKDAY_PART: [_WEEKDAYS[int(d)] if ok else None for d, ok in zip(weekdays, present, strict=True)],
            "season": [_SEASONS[int(m)] if ok else None for m, ok in zip(months, present, strict=True)],
        }
        names = derived_names(str(name))
        for part, values in parts.items():
            if names[part] not in frame.columns:
                columns[names[part]] = pd.Series([np.nan if v is None else v for v in values], dtype="str")
                if part == WEEKDAY_PART and not is_daily(stamps):
                    left_out.append(names[part])
        if names[YEAR_PART] not in frame.columns:
            columns[names[YEAR_PART]] = pd.Series(stamps.dt.year.to_numpy(dtype="float64"), dtype="float64")
            left_out.append(names[YEAR_PART])
    if len(columns) == len(frame.columns):
        return frame, []
    return pd.DataFrame(columns), left_out


def _to_datetime(values: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        # Mixed day-first / month-first values make pandas warn; NaT for what
        # cannot be read is the answer we want, not the warning.
        warnings.simplefilter("ignore")
        # utc=True: values with different offsets still give one datetime column
        # (a naive value is taken as it is written).
        return pd.to_datetime(values, format="mixed", errors="coerce", utc=True)
