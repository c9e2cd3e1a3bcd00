"""The whole model at a glance (issue 27), known answers: generated data whose answer is known
before the code runs (which columns decide, where the model errs, how groups differ)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from limelight.errors import InputError
from limelight.overview.build import OverviewInputs, build_overview
from limelight.overview.dependence import dependence
from limelight.overview.fairness import fairness_table, groups_of
from limelight.overview.mistakes import error_groups
from limelight.overview.report import render_report

pytestmark = pytest.mark.unit

NOISE = ["n1", "n2", "n3", "n4"]
FEATURES = ["x1", "x2", *NOISE]


def decided_by_x1_x2(n: int = 1200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Six columns uniform on 0-10; the class is x1 + x2 > 10, the four others are noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.uniform(0, 10, n) for name in FEATURES})
    return frame, (frame["x1"] + frame["x2"] > 10).to_numpy(dtype=np.int64)


def inputs_for(frame, truths, predictions, predict_proba, test_rows, **extra) -> OverviewInputs:
    return OverviewInputs(
        kind="tabular",
        task="classification",
        target="y",
        class_names=["no", "yes"],
        classifier="logistic_regression",
        metrics={
            "accuracy": float(np.mean(predictions[test_rows] == truths[test_rows])),
            "baseline_accuracy": 0.5,
            "baseline_class": "no",
            "n_train": len(frame) - len(test_rows),
        },  # fmt: skip
        truths=truths,
        predictions=predictions,
        test_rows=test_rows,
        predict_proba=predict_proba,
        table=frame,
        features=FEATURES,
        numeric=FEATURES,
        categorical=[],
        **extra,
    )


def test_importance_ranks_the_two_deciding_columns_first_and_the_noise_near_zero():
    frame, truths = decided_by_x1_x2()
    train, test = np.arange(800), np.arange(800, 1200)
    model = LogisticRegression().fit(frame.iloc[train], truths[train])
    predictions = model.predict_proba(frame).argmax(axis=1)
    overview = build_overview(inputs_for(frame, truths, predictions, model.predict_proba, test), random_state=0)
    table = overview.document["importance"]["features"]
    assert {table[0]["feature"], table[1]["feature"]} == {"x1", "x2"}
    # Shuffling x1 alone leaves x2: by symmetry about a quarter of the rows change side; accuracy falls ~0.25+.
    assert min(table[0]["importance"], table[1]["importance"]) > 0.15
    for item in table[2:]:
        assert item["feature"] in NOISE
        assert abs(item["importance"]) < 0.02
        assert item["low"] <= item["importance"] <= item["high"]
    assert "importance.svg" in overview.charts


def test_dependence_of_a_known_probability_is_the_probability_itself():
    """p(yes) = x1 / 10 exactly: the average curve over x1 is grid / 10, and over a noise column flat."""
    frame, _ = decided_by_x1_x2(300)

    def predict_proba(rows: pd.DataFrame) -> np.ndarray:
        p = rows["x1"].to_numpy(dtype=float) / 10
        return np.column_stack([1 - p, p])

    along_x1 = dependence(predict_proba, frame, "x1", categorical=False)
    np.testing.assert_allclose(along_x1.averages[:, 1], np.asarray(along_x1.grid) / 10)
    assert along_x1.grid[0] == pytest.approx(frame["x1"].min()) and along_x1.grid[-1] == pytest.approx(
        frame["x1"].max()
    )
    along_noise = dependence(predict_proba, frame, "n1", categorical=False)
    np.testing.assert_allclose(along_noise.averages[:, 1], frame["x1"].mean() / 10)


def test_dependence_of_a_category_is_per_value():
    frame = pd.DataFrame({"colour": ["red", "blue", "red", "green"] * 25, "x": np.arange(100.0)})
    shares = {"red": 0.9, "blue": 0.2, "green": 0.5}

    def predict_proba(rows):
        p = rows["colour"].map(shares).to_numpy(dtype=float)
        return np.column_stack([1 - p, p])

    curve = dependence(predict_proba, frame, "colour", categorical=True)
    assert curve.grid == ["red", "blue", "green"]  # commonest first
    np.testing.assert_allclose(curve.averages[:, 1], [0.9, 0.2, 0.5])


def test_errors_grouped_name_the_column_where_the_model_is_wrong():
    """The model is right everywhere except where x3 > 7: the first group is x3 > (about) 7, all wrong."""
    rng = np.random.default_rng(3)
    n = 1000
    frame = pd.DataFrame({"x1": rng.uniform(0, 10, n), "x2": rng.uniform(0, 10, n), "x3": rng.integers(0, 11, n)})
    wrong = (frame["x3"] > 7).to_numpy()
    found = error_groups(frame, wrong, numeric=["x1", "x2", "x3"], categorical=[])
    by_hand = int(wrong.sum())  # rows with x3 of 8, 9 or 10
    assert found["wrong"] == by_hand and found["rows"] == n
    worst = found["groups"][0]
    assert worst["conditions"] == ["x3 > 7.5"]  # the midpoint between 7 and 8
    assert (worst["rows"], worst["wrong"], worst["rate"]) == (by_hand, by_hand, 1.0)
    assert worst["text"] == f"wrong on 100% of rows with x3 > 7.5 ({by_hand} of {by_hand})"
    assert "x3 > 7.5" in found["sentence"]
    assert all(group["wrong"] == 0 for group in found["groups"][1:])


def test_errors_on_categories_read_as_equal_and_not_equal():
    rng = np.random.default_rng(4)
    colour = rng.choice(["red", "green", "blue"], 600)
    frame = pd.DataFrame({"colour": colour, "x": rng.uniform(0, 1, 600)})
    wrong = colour == "green"
    found = error_groups(frame, wrong, numeric=["x"], categorical=["colour"])
    assert found["groups"][0]["conditions"] == ["colour = green"]
    assert found["groups"][0]["rows"] == int((colour == "green").sum())


def gapped_groups():
    """Three groups of held-out rows built by hand: A (300 rows), B (100), C (12, small).

    A: 120 real "yes"; the model says "yes" for 90 of them and for 15 "no" rows -> 105 predicted yes.
    B: 40 real "yes"; the model says "yes" for 10 of them and for 5 "no" rows   -> 15 predicted yes.
    C: 6 real "yes", all found, and no "no" row said "yes"                     -> 6 predicted yes.
    """
    groups, truths, predictions = [], [], []
    for name, rows, real_yes, found, false_yes in (("A", 300, 120, 90, 15), ("B", 100, 40, 10, 5), ("C", 12, 6, 6, 0)):
        groups += [name] * rows
        truths += [1] * real_yes + [0] * (rows - real_yes)
        predictions += [1] * found + [0] * (real_yes - found) + [1] * false_yes + [0] * (rows - real_yes - false_yes)
    return np.array(groups, dtype=object), np.array(truths), np.array(predictions)


def test_fairness_table_shows_the_built_in_gap_with_the_right_counts():
    groups, truths, predictions = gapped_groups()
    table = fairness_table(groups, truths, predictions, column="sex", class_names=["no", "yes"], positive=1)
    rows = {row["group"]: row for row in table["groups"]}
    assert [row["group"] for row in table["groups"]] == ["A", "B", "C"]
    assert rows["A"]["rows"] == 300 and rows["A"]["positive_rate"] == pytest.approx(105 / 300)
    # Wrong: the 30 "yes" rows missed and the 15 "no" rows said "yes".
    assert rows["A"]["accuracy"] == pytest.approx((300 - 45) / 300) and rows["A"]["recall"] == pytest.approx(90 / 120)
    assert rows["B"]["rows"] == 100 and rows["B"]["positive_rate"] == pytest.approx(15 / 100)
    assert rows["B"]["accuracy"] == pytest.approx((100 - 35) / 100) and rows["B"]["recall"] == pytest.approx(10 / 40)
    assert rows["C"]["rows"] == 12 and rows["C"]["small"] and not rows["A"]["small"]
    assert rows["C"]["positive_low"] < 0.5 < rows["C"]["positive_high"]  # 6 of 12: a wide interval
    # The gap is between the large groups (C is small): 35% against 15%, 2.33 times.
    assert (
        table["gap"] == "“B” rows are predicted “yes” 2.3× less often than “A” rows (15% vs 35%); recall 0.25 vs 0.75."
    )
    assert any("“C” has only 12 held-out rows" in note for note in table["notes"])


def test_a_sensitive_column_that_does_not_exist_is_refused_in_a_sentence():
    frame, truths = decided_by_x1_x2(200)
    inputs = inputs_for(frame, truths, truths, None, np.arange(100, 200))
    with pytest.raises(InputError, match="no column named “sex”"):
        build_overview(inputs, sensitive="sex")


def test_the_report_is_one_file_with_every_section_nothing_fetched_and_names_escaped():
    frame, truths = decided_by_x1_x2(600)
    frame = frame.rename(columns={"n1": "<b>n1</b>"})
    features = ["x1", "x2", "<b>n1</b>", "n2", "n3", "n4"]
    groups, g_truths, g_predictions = gapped_groups()
    frame["sex"] = np.resize(groups, len(frame))
    train, test = np.arange(400), np.arange(400, 600)
    model = LogisticRegression().fit(frame.iloc[train][features], truths[train])
    predictions = model.predict_proba(frame[features]).argmax(axis=1)
    inputs = OverviewInputs(
        kind="tabular", task="classification", target="y", class_names=["no", "yes"], classifier="logistic_regression",
        metrics={"accuracy": 0.9, "baseline_accuracy": 0.5, "baseline_class": "no", "n_train": 400},
        truths=truths, predictions=predictions, test_rows=test,
        predict_proba=lambda rows: model.predict_proba(rows[features]), table=frame, features=features,
        numeric=features, categorical=[],
    )  # fmt: skip
    overview = build_overview(inputs, sensitive="sex")
    html = render_report(overview.document, overview.charts)
    for section in (
        "summary",
        "data",
        "model",
        "importance",
        "dependence",
        "errors",
        "fairness",
        "trust",
        "explanations",
    ):
        assert f'<section id="{section}">' in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)  # nothing fetched from elsewhere
    assert "<b>n1</b>" not in html and "&lt;b&gt;n1&lt;/b&gt;" in html
    assert html.count('src="data:image/svg+xml;base64,') == 1 + len(overview.document["dependence"]["features"])


def test_an_amount_model_is_read_in_the_targets_unit_closed_form():
    """y = 3·x1 (grams), x1 uniform on 0-10; the model is that formula.

    Shuffling x1 makes the error |3·(U − U′)|, whose mean is 3 · 10/3 = 10 g for two independent
    uniforms on 0-10; shuffling a noise column changes nothing. Along x1 the average prediction is
    3 · x1 exactly. A sensitive column's groups get their mean prediction and mean error.
    """
    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({"x1": rng.uniform(0, 10, n), "n1": rng.uniform(0, 10, n)})
    frame["site"] = np.where(np.arange(n) % 3 == 0, "north", "south")
    truths = 3 * frame["x1"].to_numpy()

    def predict_proba(rows):  # the amounts adapter's shape: the amount in column 0
        return (3 * rows["x1"].to_numpy(dtype=float)).reshape(-1, 1)

    test = np.arange(1000, 3000)
    inputs = OverviewInputs(
        kind="tabular", task="regression", target="mass_g", class_names=["mass_g"], classifier="random_forest",
        metrics={"mae": 0.0, "baseline_mae": 7.5, "r2": 1.0, "n_train": 1000}, truths=truths, predictions=truths,
        test_rows=test, predict_proba=predict_proba, table=frame, features=["x1", "n1"], numeric=["x1", "n1"],
        categorical=[], unit="g", tolerance=1.0,
    )  # fmt: skip
    overview = build_overview(inputs, sensitive="site")
    document = overview.document
    importance = {item["feature"]: item for item in document["importance"]["features"]}
    assert importance["x1"]["importance"] == pytest.approx(10.0, rel=0.08)
    assert importance["n1"]["importance"] == 0.0
    curve = document["dependence"]["features"][0]
    assert curve["feature"] == "x1"
    np.testing.assert_allclose(curve["series"][0]["average"], 3 * np.asarray(curve["grid"]))
    assert document["errors"]["wrong"] == 0  # never off by more than the 1 g tolerance
    sites = {group["group"]: group for group in document["fairness"]["groups"]}
    north = test[test % 3 == 0]
    assert sites["north"]["rows"] == len(north)
    assert sites["north"]["mean_prediction"] == pytest.approx(3 * frame["x1"].to_numpy()[north].mean())
    assert sites["north"]["mae"] == 0.0
    assert document["model"]["sentence"].startswith("On 2,000 held-out rows the model is off by 0 g on average")
    html = render_report(document, overview.charts)
    assert "mean predicted" in html and '<section id="fairness">' in html


def test_a_number_column_with_many_values_is_compared_by_quartile_bands():
    ages = pd.Series(np.arange(20, 60, dtype=float))  # 40 ages, quartiles at 29.75, 39.5, 49.25
    groups = groups_of(ages)
    assert list(pd.unique(groups)) == ["20 to 29.75", "29.75 to 39.5", "39.5 to 49.25", "49.25 to 59"]
    assert [int((groups == band).sum()) for band in pd.unique(groups)] == [10, 10, 10, 10]
    assert list(groups_of(pd.Series([1.0, 2.0, np.nan]))) == ["1", "2", "(missing)"]
