"""Counterfactuals ("what would change it") on tables whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from limelight.errors import InputError
from limelight.explainers.counterfactual_space import split_points
from limelight.explainers.counterfactuals import Goal, TabularCounterfactuals, lime_agreement
from limelight.tabular.training import build_pipeline

pytestmark = pytest.mark.unit

COLUMNS = ["x1", "noise_a", "noise_b", "noise_c"]


def threshold_table(rows: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Class 1 exactly when x1 > 5; three noise columns (one of them a category)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.integers(0, 101, rows) / 10,  # 0.0 to 10.0, one decimal, 5.0 among them
            "noise_a": rng.normal(50, 10, rows).round(2),
            "noise_b": rng.integers(0, 20, rows).astype(float),
            "noise_c": rng.choice(["red", "green", "blue"], rows),
        }
    )
    return frame, (frame["x1"] > 5).to_numpy().astype(int)


def fitted(frame, labels, classifier, **params):
    numeric = [c for c in frame.columns if c != "noise_c" and c in frame]
    categorical = [c for c in frame.columns if c == "noise_c"]
    pipeline = build_pipeline(classifier, numeric=numeric, categorical=categorical, params=params)
    pipeline.fit(frame, labels)
    explainer = TabularCounterfactuals.fit(frame, numeric=numeric, categorical=categorical, labels=labels)
    return pipeline, explainer, numeric


@pytest.fixture(scope="module")
def threshold_tree():
    frame, labels = threshold_table()
    pipeline, explainer, numeric = fitted(frame, labels, "decision_tree")
    assert isinstance(pipeline.named_steps["model"], DecisionTreeClassifier)
    return frame, pipeline, explainer, split_points(pipeline, numeric)


def case(x1: float) -> pd.Series:
    return pd.Series({"x1": x1, "noise_a": 48.5, "noise_b": 7.0, "noise_c": "red"})


def test_a_tree_deciding_on_x1_is_changed_only_in_x1_to_above_5(threshold_tree):
    frame, pipeline, explainer, splits = threshold_tree
    result = explainer.explain(
        case(3.0), pipeline.predict_proba, desired=1, class_name="1", splits=splits, count=3, repeats=2
    )
    assert result.found
    assert result.counterfactuals
    for counterfactual in result.counterfactuals:
        assert [change.feature for change in counterfactual.changes] == ["x1"]
        assert counterfactual.changes[0].after > 5
        assert counterfactual.changes[0].before == 3
        assert counterfactual.values["noise_c"] == "red" and counterfactual.values["noise_a"] == 48.5
    best = result.counterfactuals[0].changes[0]
    # The smallest change of one decimal that crosses "x1 > 5" is 5.1: read from the tree's split.
    assert best.after == 5.1
    assert best.after_text == "5.1"
    assert result.counterfactuals[0].probability == 1.0
    assert result.stability == {"repeats": 2, "agreement": 1.0, "same_in": 2, "differing": []}


def test_the_trees_split_is_read_in_the_columns_own_units(threshold_tree):
    frame, pipeline, explainer, splits = threshold_tree
    # One split decides it, halfway between the training values 5.0 and 5.1 (scikit-learn's midpoint).
    assert splits == {"x1": [pytest.approx(5.05)]}


def test_every_counterfactual_is_checked_against_the_model(threshold_tree):
    frame, pipeline, explainer, splits = threshold_tree
    result = explainer.explain(case(1.2), pipeline.predict_proba, desired=1, class_name="1", splits=splits)
    rows = pd.DataFrame([cf.values for cf in result.counterfactuals])[COLUMNS]
    assert (pipeline.predict_proba(rows)[:, 1] > 0.5).all()


def test_x1_marked_cannot_change_finds_none_and_names_x1(threshold_tree):
    frame, pipeline, explainer, splits = threshold_tree
    result = explainer.explain(
        case(3.0), pipeline.predict_proba, desired=1, class_name="1", splits=splits, fixed=["x1"]
    )
    assert not result.found
    assert result.counterfactuals == ()
    assert result.blocking == ("x1",)
    assert "“x1”" in result.message and "cannot change" in result.message


def test_a_range_that_keeps_x1_at_most_5_blocks_it_and_says_so(threshold_tree):
    frame, pipeline, explainer, splits = threshold_tree
    result = explainer.explain(
        case(3.0), pipeline.predict_proba, desired=1, class_name="1", splits=splits, ranges={"x1": (0, 5)}
    )
    assert not result.found
    assert result.blocking == ("x1",)
    assert "range" in result.message and "“x1”" in result.message


def test_a_sum_over_10_gives_one_way_through_x1_and_another_through_x2():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x1": rng.uniform(0, 10, 600).round(1), "x2": rng.uniform(0, 10, 600).round(1),
                          "noise_a": rng.normal(0, 1, 600).round(2)})  # fmt: skip
    labels = (frame["x1"] + frame["x2"] > 10).to_numpy().astype(int)
    pipeline, explainer, numeric = fitted(frame, labels, "logistic_regression", C=100.0)
    assert isinstance(pipeline.named_steps["model"], LogisticRegression)
    row = pd.Series({"x1": 3.0, "x2": 3.0, "noise_a": 0.1})
    result = explainer.explain(row, pipeline.predict_proba, desired=1, class_name="1", count=3)
    ways = [tuple(cf.features) for cf in result.counterfactuals]
    assert len(set(ways)) >= 2
    assert ("x1",) in ways and ("x2",) in ways
    for counterfactual in result.counterfactuals:
        moved = {c.feature: c.after for c in counterfactual.changes}
        total = moved.get("x1", 3.0) + moved.get("x2", 3.0)
        assert total > 9.5  # over the line the model learnt (x1 + x2 = 10, up to its fit)
        assert "noise_a" not in moved


def test_whole_numbers_stay_whole_and_categories_change_only_to_values_seen():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"visits": rng.integers(0, 30, 500).astype(float),
                          "plan": rng.choice(["basic", "plus", "gold"], 500)})  # fmt: skip
    labels = ((frame["visits"] > 12) | (frame["plan"] == "gold")).to_numpy().astype(int)
    pipeline = build_pipeline("random_forest", numeric=["visits"], categorical=["plan"], params={"n_estimators": 30})
    pipeline.fit(frame, labels)
    explainer = TabularCounterfactuals.fit(frame, numeric=["visits"], categorical=["plan"], labels=labels)
    row = pd.Series({"visits": 3.0, "plan": "basic"})
    result = explainer.explain(
        row, pipeline.predict_proba, desired=1, class_name="1", splits=split_points(pipeline, ["visits"])
    )
    assert {tuple(cf.features) for cf in result.counterfactuals} == {("visits",), ("plan",)}
    for counterfactual in result.counterfactuals:
        for change in counterfactual.changes:
            if change.feature == "visits":
                assert float(change.after).is_integer() and change.after > 12
            else:
                assert change.after == "gold"


def test_asking_for_the_class_the_model_already_gives_is_refused(threshold_tree):
    frame, pipeline, explainer, splits = threshold_tree
    with pytest.raises(InputError, match="already says “0”"):
        explainer.explain(case(3.0), pipeline.predict_proba, desired=0, class_name="0")


def test_lime_agreement_says_when_a_changed_column_is_not_among_the_top_reasons():
    weights = [("age", 0.4), ("income", -0.3), ("city", 0.01), ("age", 0.1)]
    assert lime_agreement(["age"], weights, top=2)["agrees"] is True
    different = lime_agreement(["city"], weights, top=2)
    assert different == {"top": ["age", "income"], "changed_in_top": [], "changed_not_in_top": ["city"],
                         "agrees": False}  # fmt: skip


def test_an_amount_is_brought_above_and_below_a_value_by_the_smallest_change():
    """y = 3·x1 − 2·x2 (x3 unused), values 0 to 10 with one decimal; the case x1 = 2, x2 = 4 gives −2."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.integers(0, 101, size=(500, 3)) / 10, columns=["x1", "x2", "x3"])
    explainer = TabularCounterfactuals.fit(frame, numeric=["x1", "x2", "x3"], categorical=[])

    def amount(rows: pd.DataFrame) -> np.ndarray:
        return (3 * rows["x1"].to_numpy() - 2 * rows["x2"].to_numpy()).reshape(-1, 1)

    row = pd.Series({"x1": 2.0, "x2": 4.0, "x3": 5.0})
    past = frame[amount(frame)[:, 0] > 10]  # real rows already above 10: the yardstick of plausibility
    above = explainer.explain(
        row, amount, goal=Goal("bring the prediction above 10", threshold=10.0, above=True), real_rows=past
    )
    best = above.counterfactuals[0]
    # x1 alone: 3·x1 − 8 > 10 needs x1 > 6, so 6.1; x2 alone cannot (−2·x2 > 4 needs x2 < −2, below the data).
    assert [(c.feature, c.after) for c in best.changes] == [("x1", 6.1)]
    assert best.value == pytest.approx(10.3) and best.probability is None
    assert all("x3" not in cf.features for cf in above.counterfactuals)
    # The nearest real row above 10 from (6.1, 4, 5), by hand over those rows, in spreads.
    space = explainer.space
    by_hand = space.distances(space.coded(pd.DataFrame([best.values])), space.coded(past)).min()
    assert best.nearest_real == pytest.approx(by_hand) and above.typical_gap is not None
    below = explainer.explain(row, amount, goal=Goal("bring the prediction below -10", threshold=-10.0, above=False))
    # x2 alone: 6 − 2·x2 < −10 needs x2 > 8, so 8.1; x1 alone cannot (3·x1 < −2 needs x1 below 0).
    assert [(c.feature, c.after) for c in below.counterfactuals[0].changes] == [("x2", 8.1)]
    with pytest.raises(InputError, match="already below that value"):
        explainer.explain(row, amount, goal=Goal("bring the prediction below 0", threshold=0.0, above=False))
