"""Profiling columns: what each column holds and which one to predict by default."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from limelight.tabular.profiling import (
    OVERRIDABLE_KINDS,
    ColumnKind,
    ColumnProfile,
    TargetSummary,
    check_target,
    default_row_label,
    describe_kind,
    profile_columns,
    row_label_candidates,
)
from limelight.tabular.reading import TableError
from limelight.tabular.targets import default_target, no_target_message, target_candidates

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
        ColumnKind.UNUSED: False,
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
    assert describe_kind("date") == (
        "a date: used through its month and season (the columns after it), and its day of the week "
        "when the rows are daily"
    )
    assert describe_kind("unused") == "left out: not used to predict (choose another type to use it)"
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
        'The classes have very few rows: "one_percent" (5 rows), "r1" (2 rows), "r2" (2 rows), "r3" (2 rows), '
        '"r4" (2 rows) and 3 more. '
        "The model will know little about them, and its accuracy there is guesswork.",
    )


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pd.Series([np.nan] * 30), "“y”: the column is empty in every row"),
        (
            pd.Series(["same"] * 30, dtype="str"),
            "“y”: the column has only one value (“same”)",
        ),
        (
            pd.Series(np.arange(312, dtype=float)),
            "“y”: the column has 312 different numbers, too many to be categories (2–50 classes); "
            "predict it as an amount instead.",
        ),
        (
            pd.Series([f"name {i}" for i in range(30)], dtype="str"),
            "“y”: every value appears in only one row",
        ),
    ],
    ids=["all-missing", "one-class", "too-many", "all-single"],
)
def test_check_target_explains_unusable_targets(column, message):
    with pytest.raises(TableError) as caught:
        check_target(pd.DataFrame({"y": column}), "y")

    assert message in str(caught.value)


# Files as they come (issue 17): identifiers, row labels, default targets, too little data.


def test_patient_numbers_that_sometimes_repeat_are_identifiers():
    # 645 distinct patient numbers in 699 rows, in no order, as in the Wisconsin biopsy file.
    rng = np.random.default_rng(0)
    numbers = rng.choice(np.arange(60_000, 13_500_000), 645, replace=False)
    ids = np.concatenate([numbers, rng.choice(numbers, 699 - 645, replace=False)])
    rng.shuffle(ids)
    frame = pd.DataFrame({"ID": ids.astype(float), "thickness": rng.integers(1, 11, 699).astype(float)})

    kinds = {p.name: p.kind for p in profile_columns(frame)}

    assert pd.Series(ids).nunique() == 645
    assert kinds == {"ID": ColumnKind.IDENTIFIER, "thickness": ColumnKind.CATEGORY}


def test_nearly_unique_names_and_running_numbers_are_identifiers_but_measurements_are_not():
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame(
        {
            # a running number with gaps, not named like an id
            "entry": np.sort(rng.choice(np.arange(1, 2 * n), n, replace=False)).astype(float),
            # names with a few twins (90% distinct)
            "animal": pd.Series([f"beast {i % 185}" for i in range(n)], dtype="str"),
            # whole grams, all different, in file order: a measurement
            "weight_g": rng.choice(np.arange(40_000, 150_000), n, replace=False).astype(float),
            # a continuous measurement with every value different
            "weight_kg": np.round(rng.normal(70, 12, n), 3),
            # sorted whole grams: increasing, but far wider than the rows: still a measurement
            "sorted_grams": np.sort(rng.choice(np.arange(40_000, 150_000), n, replace=False)).astype(float),
        }
    )

    kinds = {p.name: p.kind for p in profile_columns(frame)}

    assert kinds == {
        "entry": ColumnKind.IDENTIFIER,
        "animal": ColumnKind.IDENTIFIER,
        "weight_g": ColumnKind.NUMBER,
        "weight_kg": ColumnKind.NUMBER,
        "sorted_grams": ColumnKind.NUMBER,
    }


def test_the_readers_row_label_is_an_identifier_and_a_dates_year_is_unused():
    frame = pd.DataFrame({"row name": pd.Series(["1", "2", "3"] * 10, dtype="str"), "year": np.arange(30.0)})
    frame.attrs = {"row_label": "row name", "unused": ["year"]}

    kinds = [p.kind for p in profile_columns(frame)]

    assert kinds == [ColumnKind.IDENTIFIER, ColumnKind.UNUSED]


def _profile(name, kind, distinct=3):
    return ColumnProfile(name, kind, 0, distinct, ())


def test_default_row_label_prefers_the_nameless_column_then_an_id_never_a_date():
    date = _profile("day", ColumnKind.DATE, distinct=100)
    patient = _profile("patient_no", ColumnKind.IDENTIFIER, distinct=100)
    name = _profile("name", ColumnKind.IDENTIFIER, distinct=100)
    x = _profile("x", ColumnKind.NUMBER)

    assert default_row_label([name, patient, date, x], 100, nameless="row name") == "row name"
    assert default_row_label([name, patient, date, x], 100) == "patient_no"
    assert default_row_label([name, date, x], 100) == "name"
    # A date is used through its month, day of the week and season: it does not also name the rows
    # unless the person says so (it stays among the columns they may choose).
    assert default_row_label([date, x], 100) == ""
    assert row_label_candidates([date, x], 100) == ["day"]


def test_default_target_is_the_likeliest_answer_not_the_last_column():
    profiles = [
        _profile("patient", ColumnKind.IDENTIFIER, 300),
        _profile("date", ColumnKind.DATE, 300),
        _profile("date: season", ColumnKind.CATEGORY, 4),
        _profile("diagnosis", ColumnKind.CATEGORY, 3),
        _profile("glucose", ColumnKind.NUMBER, 120),
        _profile("smoker", ColumnKind.BOOLEAN, 2),
        _profile("visits", ColumnKind.NUMBER, 14),
        _profile("same", ColumnKind.CONSTANT, 1),
    ]

    assert default_target(profiles) == "diagnosis"  # named like an outcome, few values
    assert default_target([p for p in profiles if p.name != "diagnosis"]) == "smoker"  # few values, yes/no
    # the seattle weather file: its answer is last, and named so
    weather = [_profile("date", ColumnKind.DATE, 1461), _profile("precipitation", ColumnKind.NUMBER, 111)]
    weather += [_profile("wind", ColumnKind.NUMBER, 79), _profile("weather", ColumnKind.CATEGORY, 5)]
    assert default_target(weather) == "weather"


def test_identifiers_dates_row_labels_and_constants_are_not_offered_as_targets():
    profiles = [
        _profile("row name", ColumnKind.CATEGORY, 3),
        _profile("id", ColumnKind.IDENTIFIER, 300),
        _profile("day", ColumnKind.DATE, 300),
        _profile("day: month", ColumnKind.CATEGORY, 12),
        _profile("note", ColumnKind.TEXT, 300),
        _profile("same", ColumnKind.CONSTANT, 1),
        _profile("day: year", ColumnKind.UNUSED, 3),
        _profile("size", ColumnKind.NUMBER, 30),
        _profile("kind", ColumnKind.CATEGORY, 3),
    ]

    assert [p.name for p in target_candidates(profiles, row_label="row name")] == ["size", "kind"]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            ["sun"] * 20 + ["rain"] * 20 + ["drizzle"],
            "“y”: the class “drizzle” has 1 row; each class needs at least 2 rows so that one can be held out to test "
            "the model and one learned from. Add rows of “drizzle”, or choose another column to predict.",
        ),
        (
            ["a", "b"] * 4 + [None] * 20,
            "“y”: only 8 rows have a value; at least 10 are needed, so that some can be held out to test the "
            "model. Add rows to the file.",
        ),
        # two rows of each of 7 classes: 7 held out (one per class), 7 left to learn from
        ([f"c{i}" for i in range(7)] * 2, None),
        (list("abcde") * 2, None),  # 10 rows, the fewest there may be
    ],
    ids=["a-class-of-one", "too-few-rows", "two-of-each-of-seven", "ten-rows"],
)
def test_check_target_says_before_training_when_a_hold_out_is_impossible(labels, message):
    frame = pd.DataFrame({"y": pd.Series(labels, dtype="str")})

    if message is None:
        check_target(frame, "y")
        return
    with pytest.raises(TableError) as caught:
        check_target(frame, "y")
    assert str(caught.value) == message


# The target a person means (issue 23): never a column that cannot be trained, outcomes before codes.
# Each frame copies the shape of a public file that went wrong; the answers are read off the file itself.


def _mtcars_like() -> pd.DataFrame:
    """R's mtcars, 32 cars: carb has one car with 6 carburettors and one with 8."""
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "row name": pd.Series([f"car {i}" for i in range(32)], dtype="str"),
            "mpg": rng.normal(20, 6, 32).round(1),
            "cyl": np.repeat([4.0, 6.0, 8.0], [11, 7, 14]),
            "hp": rng.integers(50, 340, 32).astype(float),
            "wt": rng.normal(3.2, 1, 32).round(3),
            "vs": np.repeat([0.0, 1.0], [18, 14]),
            "am": np.repeat([0.0, 1.0], [19, 13]),
            "gear": np.repeat([3.0, 4.0, 5.0], [15, 12, 5]),
            "carb": np.repeat([1.0, 2.0, 3.0, 4.0, 6.0, 8.0], [7, 10, 3, 10, 1, 1]),
        }
    )


def _diamonds_like(n: int = 300) -> pd.DataFrame:
    """ggplot2's diamonds: y is a length in mm (continuous, named like an outcome), cut one of 5."""
    rng = np.random.default_rng(4)
    cuts = ["Fair", "Good", "Very Good", "Premium", "Ideal"]
    return pd.DataFrame(
        {
            "carat": rng.uniform(0.2, 3, n).round(2),
            "cut": pd.Series(rng.choice(cuts, n), dtype="str"),
            "price": rng.integers(326, 18_823, n).astype(float),
            "x": rng.uniform(3.7, 9.5, n).round(2),
            "y": rng.uniform(3.7, 9.5, n).round(2),
            "z": rng.uniform(2.2, 6, n).round(2),
        }
    )


def _airports_like(states: int) -> pd.DataFrame:
    """vega's airports: nearly all in the USA, four countries with one airport each."""
    n = 240
    rng = np.random.default_rng(5)
    countries = ["USA"] * (n - 4) + ["Palau", "Thailand", "Federated States of Micronesia", "N Mariana Islands"]
    return pd.DataFrame(
        {
            "iata": pd.Series([f"A{i:03d}" for i in range(n)], dtype="str"),
            "name": pd.Series([f"Field {i}" for i in range(n)], dtype="str"),
            "city": pd.Series([f"Town {i % 120}" for i in range(n)], dtype="str"),
            "state": pd.Series([f"S{i % states}" for i in range(n)], dtype="str"),
            "country": pd.Series(countries, dtype="str"),
            "latitude": rng.uniform(15, 70, n).round(5),
            "longitude": rng.uniform(-170, -60, n).round(5),
        }
    )


def _census_like(n: int = 300) -> pd.DataFrame:
    """A survey: income and occupation as codes of 25 values, and whether the person voted."""
    rng = np.random.default_rng(6)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n).astype(float),
            "vote": pd.Series(rng.choice(["yes", "no"], n), dtype="str"),
            "occupation_code": rng.integers(1, 26, n).astype(float),
            "income_code": rng.integers(1, 26, n).astype(float),
        }
    )


def _chosen(frame: pd.DataFrame) -> str:
    return default_target(profile_columns(frame), row_label=frame.attrs.get("row_label", ""), frame=frame)


def test_mtcars_carb_with_a_one_car_class_is_never_the_default_but_a_yes_no_column_is():
    frame = _mtcars_like()
    frame.attrs["row_label"] = "row name"

    chosen = _chosen(frame)

    assert chosen != "carb"
    check_target(frame, chosen)  # trains
    # vs and am are the file's yes/no columns, equally likely; the right-most wins (am, the gearbox)
    assert chosen == "am"


def test_diamonds_y_a_continuous_length_is_not_the_default_target_cut_is():
    assert _chosen(_diamonds_like()) == "cut"


def test_airports_country_with_one_airport_countries_is_not_the_default_target_state_is():
    assert _chosen(_airports_like(states=40)) == "state"


def test_a_yes_no_vote_ranks_above_income_and_occupation_codes_of_25_values():
    assert _chosen(_census_like()) == "vote"


def test_two_equally_likely_targets_the_right_most_column_wins():
    # Files usually put the answer last, so of two columns that look alike the later is chosen.
    smoker = ColumnProfile("smoker", ColumnKind.BOOLEAN, 0, 2, ())
    insured = ColumnProfile("insured", ColumnKind.BOOLEAN, 0, 2, ())
    weight = ColumnProfile("weight", ColumnKind.NUMBER, 0, 80, ())

    assert default_target([smoker, weight, insured]) == "insured"
    assert default_target([insured, smoker, weight]) == "smoker"


def test_target_errors_name_the_column_first():
    frame = _mtcars_like()

    with pytest.raises(TableError) as caught:
        check_target(frame, "carb")

    assert str(caught.value) == (
        "“carb”: the class “6” has 1 row (and 1 more class); each class needs at least 2 rows so that one can "
        "be held out to test the model and one learned from. Add rows of “6”, or choose another column to predict."
    )


def test_when_no_column_can_be_trained_one_message_says_so_and_why():
    # Without its coordinates: latitude and longitude are amounts, which can be predicted (issue 25).
    frame = _airports_like(states=60).drop(columns=["latitude", "longitude"])
    profiles = profile_columns(frame)

    message = no_target_message(frame, profiles)

    assert message == (
        "No column in this file can be predicted: “country” has a class with only 1 row (each class needs 2, "
        "one to learn from and one to test on); “city” and “state” have more than 50 "
        "different values (Limelight predicts categories, 2 to 50 classes). Upload a file with a column of a "
        "few categories to predict, such as a yes/no answer, with at least 2 rows of each."
    )
    assert no_target_message(_airports_like(states=40), profile_columns(_airports_like(states=40))) == ""


def test_an_amount_is_preselected_only_when_no_category_fits():
    # The airports' coordinates are amounts: with no country or state to learn, the likeliest amount
    # (of equal scores, the right-most) is preselected and the file can be trained.
    frame = _airports_like(states=60)
    assert _chosen(frame) == "longitude"
    assert no_target_message(frame, profile_columns(frame)) == ""
    # A clear category beside amounts keeps its place (diamonds: cut, not the carat or price).
    assert _chosen(_diamonds_like()) == "cut"


def test_a_short_text_column_with_60_percent_distinct_values_stays_a_category():
    # 100 rows, 60 different town names: repeated enough to learn from, not names of rows.
    towns = pd.Series([f"Town {i % 60}" for i in range(100)], dtype="str")

    (profile,) = profile_columns(pd.DataFrame({"town": towns}))

    assert (profile.distinct, profile.kind) == (60, ColumnKind.CATEGORY)


def test_mtcars_without_its_yes_no_columns_carb_and_gear_look_alike_but_only_gear_trains():
    # Both are small whole-number codes; carb is the right-most, so only the training check stops it.
    frame = _mtcars_like().drop(columns=["vs", "am"])
    frame.attrs["row_label"] = "row name"

    assert _chosen(frame) == "gear"


def test_a_column_named_like_a_code_is_not_taken_for_an_outcome():
    # income_code (8 bands) names an attribute of the person, not an answer; the yes/no column wins.
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "member": pd.Series(rng.choice(["yes", "no"], 200), dtype="str"),
            "income_code": rng.integers(1, 9, 200).astype(float),
        }
    )

    assert _chosen(frame) == "member"


def test_of_equally_likely_targets_the_one_with_fewer_classes_wins_before_the_right_most():
    # diamonds: cut (5 grades), color (7), clarity (8) score alike; the fewest classes is the likeliest answer.
    rng = np.random.default_rng(8)
    frame = _diamonds_like().assign(
        color=pd.Series(rng.choice(list("DEFGHIJ"), 300), dtype="str"),
        clarity=pd.Series(rng.choice(["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"], 300), dtype="str"),
    )

    assert _chosen(frame) == "cut"


def test_the_likeliest_looking_column_is_passed_over_when_one_of_its_classes_has_one_row():
    # "diagnosis" looks most like the answer, but a class of one row cannot be both learned and tested.
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "stage": pd.Series(rng.choice(["I", "II", "III"], 60), dtype="str"),
            "diagnosis": pd.Series(["benign"] * 30 + ["malignant"] * 29 + ["unclear"], dtype="str"),
        }
    )

    assert _chosen(frame) == "stage"
