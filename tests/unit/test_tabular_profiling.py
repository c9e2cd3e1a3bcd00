"""Profiling columns: what each column holds and which one to predict by default."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from classifiers.tabular.profiling import (
    OVERRIDABLE_KINDS,
    ColumnKind,
    ColumnProfile,
    TargetSummary,
    check_target,
    default_target,
    describe_kind,
    profile_columns,
)
from classifiers.tabular.reading import TableError

pytestmark = pytest.mark.unit

N = 40


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"]
    return pd.DataFrame(
        {
            "row": np.arange(1, N + 1, dtype=float),  # monotonic unique integers
            "patient_id": rng.permutation(np.arange(1000, 1000 + N)).astype(float),
            "height": np.round(rng.normal(170, 10, N), 1),
            "visits": rng.integers(0, 15, N).astype(float),  # many repeated integers: a number
            "stage": rng.integers(1, 5, N).astype(float),  # four codes: a category
            "name": pd.Series([f"animal{i}" for i in range(N)], dtype="str"),
            "note": pd.Series([" ".join(rng.choice(words, 6)) + f" {i}" for i in range(N)], dtype="str"),
            "colour": pd.Series(rng.choice(["red", "green", "blue"], N), dtype="str"),
            "same": pd.Series(["x"] * N, dtype="str"),
            "empty": np.full(N, np.nan),
            "outcome": pd.Series(rng.choice(["yes", "no"], N), dtype="str"),
            "ref_id": pd.Series([f"R{i}" for i in range(N)], dtype="str"),
        }
    )


def test_profile_columns_assigns_each_kind():
    profiles = profile_columns(_frame())

    assert {profile.name: profile.kind for profile in profiles} == {
        "row": ColumnKind.IDENTIFIER,
        "patient_id": ColumnKind.IDENTIFIER,
        "height": ColumnKind.NUMBER,
        "visits": ColumnKind.NUMBER,
        "stage": ColumnKind.CATEGORY,
        "name": ColumnKind.IDENTIFIER,
        "note": ColumnKind.TEXT,
        "colour": ColumnKind.CATEGORY,
        "same": ColumnKind.CONSTANT,
        "empty": ColumnKind.CONSTANT,
        "outcome": ColumnKind.BOOLEAN,
        "ref_id": ColumnKind.IDENTIFIER,
    }


def test_unique_integers_in_shuffled_order_without_id_name_are_numbers():
    values = np.random.default_rng(3).permutation(np.arange(N)).astype(float)

    (profile,) = profile_columns(pd.DataFrame({"score": values}))

    assert profile.kind == ColumnKind.NUMBER


def test_unique_values_in_a_small_table_are_not_identifiers():
    frame = pd.DataFrame({"id": np.arange(5.0), "name": pd.Series(list("abcde"), dtype="str")})

    assert [profile.kind for profile in profile_columns(frame)] == [
        ColumnKind.NUMBER,
        ColumnKind.CATEGORY,
    ]


def test_repeated_long_strings_with_many_distinct_values_are_text():
    sentences = [f"this is review number {i} of many" for i in range(15)]
    frame = pd.DataFrame({"review": pd.Series(sentences + sentences[:5], dtype="str")})

    (profile,) = profile_columns(frame)

    assert profile.kind == ColumnKind.TEXT


def test_profile_counts_missing_and_distinct_and_formats_examples():
    frame = pd.DataFrame(
        {
            "n": [3.0, np.nan, 2.5, 3.0, 7.0, np.nan],
            "s": pd.Series(["b", "a", None, "b", "c", "a"], dtype="str"),
        }
    )

    n, s = profile_columns(frame)

    assert n == ColumnProfile("n", ColumnKind.NUMBER, missing=2, distinct=3, examples=("3", "2.5", "7"))
    assert s == ColumnProfile("s", ColumnKind.CATEGORY, missing=1, distinct=3, examples=("b", "a", "c"))
    assert n.usable_as_feature and s.usable_as_feature


def test_usable_as_feature_only_for_numbers_and_categories():
    usable = {kind: ColumnProfile("c", kind, 0, 2, ()).usable_as_feature for kind in ColumnKind}

    assert usable == {
        ColumnKind.NUMBER: True,
        ColumnKind.CATEGORY: True,
        ColumnKind.TEXT: False,
        ColumnKind.IDENTIFIER: False,
        ColumnKind.CONSTANT: False,
        ColumnKind.BOOLEAN: True,
        ColumnKind.DATE: False,
    }


def test_profile_round_trips_through_json():
    profiles = profile_columns(_frame())

    restored = [ColumnProfile.from_dict(json.loads(json.dumps(p.to_dict()))) for p in profiles]

    assert restored == profiles


def test_default_target_is_last_predictable_column():
    profiles = profile_columns(_frame())

    assert default_target(profiles) == "outcome"


def test_default_target_falls_back_to_last_column():
    profiles = [
        ColumnProfile("id", ColumnKind.IDENTIFIER, 0, 30, ()),
        ColumnProfile("note", ColumnKind.TEXT, 0, 30, ()),
    ]

    assert default_target(profiles) == "note"


@pytest.mark.parametrize(
    "values",
    [
        [0.0, 1.0],
        ["true", "False"],
        ["Yes", "no"],
        ["Y", "N"],
        ["t", "F"],
    ],
)
def test_recognisable_two_valued_columns_are_boolean(values):
    column = pd.Series(values * 15 + [None], dtype="float64" if isinstance(values[0], float) else "str")

    (profile,) = profile_columns(pd.DataFrame({"flag": column}))

    assert profile.kind == ColumnKind.BOOLEAN
    assert profile.usable_as_feature
    assert profile.missing == 1


@pytest.mark.parametrize("values", [["male", "female"], ["a", "b"], [1.0, 2.0]])
def test_other_two_valued_columns_stay_categories(values):
    column = pd.Series(values * 15, dtype="float64" if isinstance(values[0], float) else "str")

    (profile,) = profile_columns(pd.DataFrame({"pair": column}))

    assert profile.kind == ColumnKind.CATEGORY


def test_date_columns_in_several_formats_are_dates():
    dates = ["2024-01-31", "31/01/2024", "01/31/2024", "2024-01-31 12:00", "2023-12-01T08:30:00"]
    frame = pd.DataFrame(
        {
            "visit": pd.Series(dates * 8, dtype="str"),
            # one date per row: a date, not an identifier
            "day": pd.Series([f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(40)], dtype="str"),
        }
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        profiles = profile_columns(frame)

    assert [profile.kind for profile in profiles] == [ColumnKind.DATE, ColumnKind.DATE]
    assert not profiles[0].usable_as_feature


def test_dates_tolerate_a_few_bad_values_but_month_names_stay_categories():
    days = [f"2024-01-{day:02d}" for day in range(1, 20)]
    frame = pd.DataFrame(
        {
            "mostly": pd.Series(days * 2 + ["unknown"] * 2, dtype="str"),  # 95% dates
            "half": pd.Series(days + ["soon"] * 21, dtype="str"),
            "month": pd.Series(["may", "march", "june"] * 14, dtype="str"),
        }
    )

    kinds = [profile.kind for profile in profile_columns(frame)]

    assert kinds == [ColumnKind.DATE, ColumnKind.CATEGORY, ColumnKind.CATEGORY]


def test_integer_codes_are_categories_but_measurements_stay_numbers():
    rng = np.random.default_rng(0)
    n = 303  # the heart disease data set
    frame = pd.DataFrame(
        {
            "cp": rng.integers(1, 5, n).astype(float),
            "ca": rng.integers(0, 4, n).astype(float),
            "age": rng.integers(29, 78, n).astype(float),
            "oldpeak": np.round(rng.uniform(0, 6, n), 1),
        }
    )
    small = pd.DataFrame({"score": [float(v) for v in range(10)] + [3.0, 4.0]})  # 12 rows, 10 values

    kinds = [profile.kind for profile in profile_columns(frame)]
    (small_profile,) = profile_columns(small)

    assert kinds == [ColumnKind.CATEGORY, ColumnKind.CATEGORY, ColumnKind.NUMBER, ColumnKind.NUMBER]
    assert small_profile.kind == ColumnKind.NUMBER


def test_with_kind_returns_an_overridden_copy_and_refuses_constant():
    profile = ColumnProfile("zip", ColumnKind.NUMBER, 0, 30, ("1000",))

    overridden = profile.with_kind("category")

    assert overridden == ColumnProfile("zip", ColumnKind.CATEGORY, 0, 30, ("1000",))
    assert profile.kind == ColumnKind.NUMBER
    with pytest.raises(ValueError):
        profile.with_kind(ColumnKind.CONSTANT)
    assert [value for value, _ in ColumnProfile.role_choices()] == [k.value for k in OVERRIDABLE_KINDS]
    assert ColumnKind.CONSTANT not in OVERRIDABLE_KINDS


def test_describe_kind_uses_plain_words_for_every_kind():
    assert describe_kind(ColumnKind.IDENTIFIER) == "unique per row, like a name or an id: not used to predict"
    assert describe_kind("date") == "dates are not used to predict yet"
    assert describe_kind(ColumnKind.CONSTANT) == "the same in every row: not used"
    assert describe_kind(ColumnKind.TEXT).startswith("free text: a text model can read it")
    assert all(describe_kind(kind) for kind in ColumnKind)


def test_check_target_lists_classes_with_counts_and_numbers_without_decimals():
    frame = pd.DataFrame({"grade": [2.0, 10.0, 1.0, 2.0, 10.0, np.nan] * 10})

    summary = check_target(frame, "grade")

    assert summary == TargetSummary(classes=("1", "2", "10"), counts=(10, 20, 20), warnings=())


def test_check_target_warns_about_rare_classes_naming_at_most_five():
    labels = ["common"] * 600 + ["r1", "r2", "r3", "r4", "r5", "r6", "r7"] * 2 + ["one_percent"] * 5

    summary = check_target(pd.DataFrame({"y": pd.Series(labels, dtype="str")}), "y")

    assert summary.classes == ("common", "one_percent", "r1", "r2", "r3", "r4", "r5", "r6", "r7")
    assert summary.counts == (600, 5, 2, 2, 2, 2, 2, 2, 2)
    assert summary.warnings == (
        'The classes have very few rows: "one_percent", "r1", "r2", "r3", "r4" and 3 more. '
        "The model will know little about them, and its accuracy there is guesswork.",
    )


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pd.Series([np.nan] * 30), 'The column "y" is empty in every row'),
        (
            pd.Series(["same"] * 30, dtype="str"),
            'The column you chose to predict, "y", has only one value ("same")',
        ),
        (
            pd.Series(np.arange(312, dtype=float)),
            'The column "y" has 312 different values; Limelight predicts categories (2–50 classes). '
            "Is this a number to predict?",
        ),
        (
            pd.Series([f"name {i}" for i in range(30)], dtype="str"),
            'Every value of "y" appears in only one row',
        ),
    ],
    ids=["all-missing", "one-class", "too-many", "all-single"],
)
def test_check_target_explains_unusable_targets(column, message):
    with pytest.raises(TableError) as caught:
        check_target(pd.DataFrame({"y": column}), "y")

    assert message in str(caught.value)
