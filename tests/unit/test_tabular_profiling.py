"""Profiling columns: what each column holds and which one to predict by default."""

import json

import numpy as np
import pandas as pd
import pytest

from classifiers.tabular.profiling import (
    ColumnKind,
    ColumnProfile,
    default_target,
    profile_columns,
)

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
            "visits": rng.integers(0, 5, N).astype(float),  # repeats: a number
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
        "name": ColumnKind.IDENTIFIER,
        "note": ColumnKind.TEXT,
        "colour": ColumnKind.CATEGORY,
        "same": ColumnKind.CONSTANT,
        "empty": ColumnKind.CONSTANT,
        "outcome": ColumnKind.CATEGORY,
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
