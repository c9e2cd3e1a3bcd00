"""Dates used through their parts: seasons at their boundaries, and when the day of the week is used."""

import datetime

import pandas as pd
import pytest

from limelight.tabular.dates import add_date_parts

pytestmark = pytest.mark.unit


def _parts(days: list[datetime.date | datetime.datetime]) -> tuple[pd.DataFrame, list[str]]:
    return add_date_parts(pd.DataFrame({"d": pd.Series([day.isoformat() for day in days], dtype="str")}))


@pytest.mark.parametrize(
    ("day", "season"),
    [
        # Northern meteorological seasons: winter Dec-Feb, spring Mar-May, summer Jun-Aug, autumn Sep-Nov.
        ("2023-02-28", "winter"),
        ("2024-02-29", "winter"),  # a leap day
        ("2024-03-01", "spring"),
        ("2024-05-31", "spring"),
        ("2024-06-01", "summer"),
        ("2024-08-31", "summer"),
        ("2024-09-01", "autumn"),
        ("2024-11-30", "autumn"),
        ("2024-12-01", "winter"),
    ],
)
def test_seasons_change_on_the_first_of_march_june_september_and_december(day, season):
    frame, _ = _parts([datetime.date.fromisoformat(day)])

    assert frame["d: season"].iloc[0] == season


def test_the_parts_of_a_leap_day():
    frame, _ = _parts([datetime.date(2024, 2, 29)])

    # 29 February 2024 was a Thursday.
    assert frame.iloc[0][["d: month", "d: day of the week", "d: season", "d: year"]].tolist() == [
        "February",
        "Thursday",
        "winter",
        2024.0,
    ]


def _days(start: datetime.date, count: int, step: int = 1) -> list[datetime.date]:
    return [start + datetime.timedelta(days=step * i) for i in range(count)]


def test_daily_rows_over_weeks_use_the_day_of_the_week():
    # Daily bike rentals or weather: the weekday can matter, so it is used from the start.
    _, left_out = _parts(_days(datetime.date(2021, 3, 1), 60))

    assert left_out == ["d: year"]


def test_working_days_only_still_count_as_daily():
    # Monday to Friday for eight weeks: four steps in five are one day.
    days = [day for day in _days(datetime.date(2024, 1, 1), 56) if day.weekday() < 5]

    _, left_out = _parts(days)

    assert left_out == ["d: year"]


def test_several_timed_rows_a_day_are_daily():
    stamps = [
        datetime.datetime(2022, 5, 1, hour) + datetime.timedelta(days=day) for day in range(40) for hour in (8, 12, 17)
    ]

    _, left_out = _parts(stamps)

    assert left_out == ["d: year"]


@pytest.mark.parametrize(
    "days",
    [
        _days(datetime.date(2020, 1, 6), 52, step=7),  # weekly: every row on a Monday
        _days(datetime.date(2020, 1, 1), 20, step=30),  # monthly
        _days(datetime.date(2024, 4, 1), 10),  # daily, but under four weeks: too few of each weekday
        # dates of birth, spread over decades
        [datetime.date(1940 + i % 60, 1 + i % 12, 1 + (7 * i) % 28) for i in range(200)],
    ],
    ids=["weekly", "monthly", "ten-days", "birthdays"],
)
def test_the_day_of_the_week_is_offered_but_left_out_when_the_rows_are_not_daily(days):
    frame, left_out = _parts(days)

    assert "d: day of the week" in frame.columns
    assert left_out == ["d: day of the week", "d: year"]
