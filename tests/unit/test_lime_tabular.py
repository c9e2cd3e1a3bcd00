import base64
import io
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy.stats import truncnorm

from limelight.explainers.lime_tabular import (
    DISCRETIZERS,
    KEEP_SHARE,
    FeatureWeight,
    LimeExplanation,
    TabularLime,
    TabularSamples,
)

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@pytest.fixture(scope="module")
def seven_feature_table():
    rng = np.random.default_rng(42)
    n = 1000
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(6)})
    frame["colour"] = rng.choice(["red", "green", "blue"], size=n)
    return frame


def _x3_model(frame: pd.DataFrame) -> np.ndarray:
    g = _sigmoid(4.0 * frame["x3"].to_numpy())
    return np.column_stack([1.0 - g, g])


@pytest.fixture(scope="module")
def seven_feature_lime(seven_feature_table):
    return TabularLime.fit(
        seven_feature_table,
        numeric=[f"x{i}" for i in range(6)],
        categorical=["colour"],
    )


def test_same_seed_gives_identical_explanation_and_other_seed_differs(seven_feature_table, seven_feature_lime):
    row = seven_feature_table.iloc[5]
    first = seven_feature_lime.explain(row, _x3_model, label=1, num_samples=1000, random_state=7)
    again = seven_feature_lime.explain(row, _x3_model, label=1, num_samples=1000, random_state=7)
    other = seven_feature_lime.explain(row, _x3_model, label=1, num_samples=1000, random_state=8)

    assert first == again
    assert first.to_dict() == again.to_dict()
    assert [w.weight for w in first.weights] != [w.weight for w in other.weights]
    assert first.intercept != other.intercept


def test_feature_the_model_uses_ranks_first_and_others_are_near_zero(seven_feature_table, seven_feature_lime):
    row = seven_feature_table.iloc[0]
    x3 = row["x3"]
    explanation = seven_feature_lime.explain(row, _x3_model, label=1, random_state=0)

    top, *rest = explanation.weights
    assert top.feature == "x3"
    assert len(explanation.weights) == 7
    assert abs(top.weight) > 0.3
    assert max(abs(w.weight) for w in rest) < 0.05 * abs(top.weight)
    # sigmoid(4 x3) falls with x3 below its top quartile bin and rises above.
    edges = np.percentile(seven_feature_table["x3"], [25, 50, 75])
    assert (top.weight > 0) == (x3 > edges[1])


def test_conditions_are_lime_style_in_data_units():
    frame = pd.DataFrame(
        {
            "age": [20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0],
            "sex": ["m", "f", "m", "f", "m", "f", "m", "f", "m"],
        }
    )
    lime = TabularLime.fit(frame, numeric=["age"], categorical=["sex"])
    # quartiles of the ages: 40, 60, 80; a value on an edge belongs to the lower bin
    cases = {
        10.0: "age <= 40.00",
        40.0: "age <= 40.00",
        41.0: "40.00 < age <= 60.00",
        80.0: "60.00 < age <= 80.00",
        80.5: "age > 80.00",
    }
    for age, expected in cases.items():
        explanation = lime.explain({"age": age, "sex": "f"}, _constant_model, label=0, num_samples=50)
        conditions = {w.feature: w.condition for w in explanation.weights}
        assert conditions == {"age": expected, "sex": "sex = f"}


def _constant_model(frame: pd.DataFrame) -> np.ndarray:
    return np.tile([0.25, 0.75], (len(frame), 1))


def _bin_stats(values: np.ndarray, edges: np.ndarray):
    """Recompute per-bin (frequency, truncated-normal mean) with numpy + scipy."""
    bins = np.searchsorted(edges, values, side="left")
    stats = []
    for k in range(len(edges) + 1):
        sel = values[bins == k]
        mean, std, lo, hi = sel.mean(), sel.std(), sel.min(), sel.max()
        tn_mean = truncnorm((lo - mean) / std, (hi - mean) / std, loc=mean, scale=std).mean()
        stats.append((len(sel) / len(values), tn_mean))
    return stats


def test_linear_model_weights_match_closed_form():
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame(
        {
            "a": rng.uniform(0.0, 10.0, n),
            "b": rng.uniform(-1.0, 1.0, n),
            "kind": rng.choice(["x", "y"], n),
            "c": rng.uniform(100.0, 200.0, n),
        }
    )
    slopes = {"a": 0.02, "b": 0.1, "c": -0.0015}
    centres = {"a": 5.0, "b": 0.0, "c": 150.0}

    def linear(df: pd.DataFrame) -> np.ndarray:
        g = 0.5 + sum(w * (df[f].to_numpy() - centres[f]) for f, w in slopes.items())
        assert np.all((g > 0) & (g < 1))
        return np.column_stack([1.0 - g, g])

    lime = TabularLime.fit(frame, numeric=["a", "b", "c"], categorical=["kind"])
    row = {"a": 1.0, "b": 0.3, "kind": "x", "c": 180.0}
    explanation = lime.explain(row, linear, label=1, num_samples=20000, random_state=0)

    # The kernel weighs a sample by which features left the instance's bin (z), and each
    # feature's value depends on its own z only, so the weighted fit of an additive model
    # recovers slope * (E[x | z = 1] - E[x | z = 0]). A feature keeps the instance's own value
    # with probability p (KEEP_SHARE), else is drawn: its bin with the bin's training share f,
    # its value with the bin's truncated-normal mean m.
    p = KEEP_SHARE
    expected = {"kind": 0.0}
    for feature, slope in slopes.items():
        values = frame[feature].to_numpy()
        edges = np.unique(np.percentile(values, [25, 50, 75]))
        stats = _bin_stats(values, edges)
        own = int(np.searchsorted(edges, row[feature], side="left"))
        others = [(f, m) for k, (f, m) in enumerate(stats) if k != own]
        mean_off = sum(f * m for f, m in others) / sum(f for f, _ in others)
        f_own, m_own = stats[own]
        mean_on = (p * row[feature] + (1 - p) * f_own * m_own) / (p + (1 - p) * f_own)
        expected[feature] = slope * (mean_on - mean_off)

    got = {w.feature: w.weight for w in explanation.weights}
    assert set(got) == set(expected)
    tolerance = 0.04 * max(abs(v) for v in expected.values())
    for feature, value in expected.items():
        assert got[feature] == pytest.approx(value, abs=tolerance), feature
    # the ranking follows the closed form: |a| > |c| > |b| > |kind|
    assert [w.feature for w in explanation.weights] == sorted(expected, key=lambda f: -abs(expected[f]))
    # the local surrogate at the instance is close to the model there
    assert explanation.local_prediction == pytest.approx(linear(pd.DataFrame([row]))[0, 1], abs=0.02)
    # within-bin spread of the values is noise the binary surrogate cannot fit
    assert 0.3 < explanation.score < 0.6


def test_kernel_weights_follow_the_papers_formula_on_a_hand_made_case():
    # Ribeiro et al. (2016) weigh a sample z by its closeness to the instance, pi(z) = exp(-D(z)^2 / sigma^2);
    # lime passes sqrt(pi(z)) = exp(-D^2 / (2 sigma^2)) to its ridge as sample weights. In the binary
    # representation D^2 is the number of features that differ from the instance. With
    # sigma^2 = 1 / (2 ln 2) every differing feature halves the weight:
    #     both features as the instance (1, 1): 1;   one differs (0, 1) or (1, 0): 1/2;   both (0, 0): 1/4.
    # The model answers 1 only when both features are as in the instance (y = z_a * z_b). Fitting
    # y ~ b + w * (z_a + z_b) (the two weights are equal by symmetry) with those sample weights
    # minimises 1 * (1 - b - 2w)^2 + 2 * 1/2 * (b + w)^2 + 1/4 * b^2; setting both derivatives to 0:
    #     4.5 b + 6 w = 2   and   6 b + 10 w = 4,   so   w = 2/3 and b = -4/9.
    # Without the kernel (every weight 1) the same fit gives w = 1/2 and b = -1/4.
    # Each pattern is repeated 2500 times so the ridge's alpha = 1 shrinks w by less than 0.1%.
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 2.0, 3.0, 4.0]})
    lime = TabularLime.fit(frame, numeric=["a", "b"], categorical=[])
    patterns = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    z = np.repeat(patterns, 2500, axis=0)
    samples = TabularSamples(z=z, frame=pd.DataFrame(), conditions={"a": "a <= 1", "b": "b <= 1"}, continuous=False)
    y = z[:, 0] * z[:, 1]

    explanation = lime.fit_surrogate(samples, y, label=1, kernel_width=1 / math.sqrt(2 * math.log(2)))

    weights = {w.feature: w.weight for w in explanation.weights}
    assert weights == {"a": pytest.approx(2 / 3, abs=1e-3), "b": pytest.approx(2 / 3, abs=1e-3)}
    assert explanation.intercept == pytest.approx(-4 / 9, abs=1e-3)
    assert explanation.local_prediction == pytest.approx(8 / 9, abs=1e-3)  # -4/9 + 2 * 2/3


def test_the_default_kernel_width_is_lime_s_on_a_hand_made_case():
    # lime's default kernel width is 0.75 * sqrt(number of columns): 1.5 for four columns, so
    # sigma^2 = 2.25 and a sample with D^2 features unlike the instance weighs exp(-D^2 / 4.5).
    # The case of the test above, with two more columns always as in the instance: the weights
    # are 1, q = exp(-1 / 4.5) = 0.800737 and q^2. Setting the derivatives of
    #     (1 - b - 2w)^2 + 2q (b + w)^2 + q^2 b^2
    # to 0 gives (1 + q)^2 b + 2 (1 + q) w = 1 and (1 + q) b + (2 + q) w = 1, whence
    #     w = 1 / (1 + q) = 0.555328   and   b = -1 / (1 + q)^2 = -0.308389
    # (q = 1/2 gives the 2/3 and -4/9 above; a width of 1 would give w = 1 / (1 + e^-0.5) = 0.6225).
    frame = pd.DataFrame({c: [1.0, 2.0, 3.0, 4.0] for c in "abcd"})
    lime = TabularLime.fit(frame, numeric=list("abcd"), categorical=[])
    patterns = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    z = np.repeat(patterns, 2500, axis=0)
    conditions = {c: f"{c} <= 1" for c in "abcd"}
    samples = TabularSamples(z=z, frame=pd.DataFrame(), conditions=conditions, continuous=False)
    y = z[:, 0] * z[:, 1]

    explanation = lime.fit_surrogate(samples, y, label=1)

    weights = {w.feature: w.weight for w in explanation.weights}
    assert weights["a"] == pytest.approx(0.555328, abs=1e-3) and weights["b"] == pytest.approx(0.555328, abs=1e-3)
    assert explanation.intercept == pytest.approx(-0.308389, abs=1e-3)


def test_missing_values_get_their_own_bin_and_condition():
    rng = np.random.default_rng(11)
    n = 800
    frame = pd.DataFrame(
        {
            "age": rng.normal(50.0, 10.0, n),
            "town": rng.choice(["north", "south"], n).astype(object),
            "income": rng.normal(3.0, 1.0, n),
        }
    )
    frame.loc[rng.random(n) < 0.2, "age"] = np.nan
    frame.loc[rng.random(n) < 0.3, "town"] = np.nan
    seen: list[pd.DataFrame] = []

    def model(df: pd.DataFrame) -> np.ndarray:
        seen.append(df)
        g = 0.2 + 0.4 * df["age"].isna().to_numpy() + 0.3 * df["town"].isna().to_numpy()
        return np.column_stack([1.0 - g, g])

    lime = TabularLime.fit(frame, numeric=["age", "income"], categorical=["town"])
    row = {"age": np.nan, "town": None, "income": 3.5}
    explanation = lime.explain(row, model, label=1, num_samples=4000, random_state=2)

    assert [w.condition for w in explanation.weights[:2]] == ["age is missing", "town is missing"]
    assert explanation.weights[0].weight == pytest.approx(0.4, abs=0.02)
    assert explanation.weights[1].weight == pytest.approx(0.3, abs=0.02)
    assert len(seen) == 1
    sampled = seen[0]
    assert list(sampled.columns) == ["age", "town", "income"]
    assert sampled.dtypes["age"] == np.float64
    assert pd.isna(sampled.loc[0, "age"]) and pd.isna(sampled.loc[0, "town"])
    # the missing bin is drawn with its training share (or kept, as the instance is missing),
    # and shows up as NaN
    for col in ("age", "town"):
        share = KEEP_SHARE + (1 - KEEP_SHARE) * frame[col].isna().mean()
        assert sampled[col].isna().mean() == pytest.approx(share, abs=0.03)
    assert sampled["income"].notna().all()
    assert set(sampled["town"].dropna()) == {"north", "south"}


def test_sampled_values_stay_inside_their_bins_and_keep_column_order(seven_feature_table, seven_feature_lime):
    seen: list[pd.DataFrame] = []

    def model(df):
        seen.append(df)
        return _x3_model(df)

    row = seven_feature_table.iloc[1]
    seven_feature_lime.explain(row, model, label=0, num_samples=2000, random_state=4)
    sampled = seen[0]
    assert list(sampled.columns) == list(seven_feature_table.columns)
    assert sampled.iloc[0].tolist() == row.tolist()
    for col in [f"x{i}" for i in range(6)]:
        train = seven_feature_table[col].to_numpy()
        values = sampled[col].to_numpy()
        assert values.min() >= train.min() and values.max() <= train.max()
        edges = np.percentile(train, [25, 50, 75])
        train_bins = np.searchsorted(edges, train)
        sample_bins = np.searchsorted(edges, values)
        # every sample lies within the [min, max] of the training values of its bin
        for k in range(4):
            in_bin = values[sample_bins == k]
            assert in_bin.min() >= train[train_bins == k].min()
            assert in_bin.max() <= train[train_bins == k].max()
        # each quartile bin is drawn a quarter of the time; the instance's own value is also kept
        # in a KEEP_SHARE of the samples
        own = np.searchsorted(edges, row[col])
        expected = np.full(4, (1 - KEEP_SHARE) / 4)
        expected[own] += KEEP_SHARE
        assert np.bincount(sample_bins, minlength=4) / len(values) == pytest.approx(expected, abs=0.03)
        assert np.mean(values[1:] == row[col]) == pytest.approx(KEEP_SHARE, abs=0.03)


def test_progress_is_reported_and_explainer_survives_joblib(seven_feature_table, seven_feature_lime):
    buffer = io.BytesIO()
    joblib.dump(seven_feature_lime, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    calls: list[tuple[int, int]] = []
    row = seven_feature_table.iloc[2]

    restored_result = restored.explain(
        row, _x3_model, label=1, num_samples=500, on_progress=lambda d, t: calls.append((d, t))
    )
    original_result = seven_feature_lime.explain(row, _x3_model, label=1, num_samples=500)

    assert restored_result == original_result
    assert calls[0] == (0, 500) and calls[-1] == (500, 500)


def test_to_dict_is_json_ready():
    explanation = LimeExplanation(
        label=1,
        weights=(FeatureWeight("a <b>", "a <b> = x", np.float64(0.5)),),
        intercept=0.1,
        score=0.9,
        local_prediction=0.6,
        num_samples=50,
        kernel_width=1.5,
    )
    assert explanation.to_dict() == {
        "label": 1,
        "weights": [{"feature": "a <b>", "condition": "a <b> = x", "weight": 0.5}],
        "intercept": 0.1,
        "score": 0.9,
        "local_prediction": 0.6,
        "num_samples": 50,
        "kernel_width": 1.5,
    }
    assert type(explanation.to_dict()["weights"][0]["weight"]) is float


@pytest.mark.parametrize(
    "kwargs",
    [{"num_samples": 49}, {"num_features": 0}, {"label": -1}, {"label": 2}],
)
def test_explain_rejects_bad_arguments(seven_feature_table, seven_feature_lime, kwargs):
    arguments = {"label": 1, "num_samples": 100} | kwargs
    with pytest.raises(ValueError):
        seven_feature_lime.explain(seven_feature_table.iloc[0], _x3_model, **arguments)


def test_fit_rejects_columns_that_do_not_match_the_frame(seven_feature_table):
    with pytest.raises(ValueError):
        TabularLime.fit(seven_feature_table, numeric=["x0"], categorical=["colour"])


def test_top_features_agree_with_reference_lime_on_breast_cancer():
    from lime.lime_tabular import LimeTabularExplainer
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer(as_frame=True)
    frame = data.data
    names = list(frame.columns)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(frame, data.target)

    row = frame.iloc[13]
    ours = TabularLime.fit(frame, numeric=names, categorical=[]).explain(
        row, model.predict_proba, label=1, num_features=5, num_samples=5000, random_state=0
    )
    reference = LimeTabularExplainer(
        frame.to_numpy(),
        feature_names=names,
        discretize_continuous=True,
        feature_selection="highest_weights",
        random_state=0,
    ).explain_instance(
        row.to_numpy(),
        lambda a: model.predict_proba(pd.DataFrame(a, columns=names)),
        labels=(1,),
        num_features=5,
        num_samples=5000,
    )
    reference_top = {names[i] for i, _ in reference.as_map()[1]}
    our_top = {w.feature for w in ours.weights}
    assert len(our_top) == 5
    assert len(our_top & reference_top) >= 3


def _x3_labels(frame: pd.DataFrame) -> np.ndarray:
    return (frame["x3"].to_numpy() > 0).astype(int)


def _fit(frame: pd.DataFrame, discretizer: str) -> TabularLime:
    return TabularLime.fit(
        frame,
        numeric=[f"x{i}" for i in range(6)],
        categorical=["colour"],
        discretizer=discretizer,
        labels=_x3_labels(frame) if discretizer == "entropy" else None,
    )


def test_discretizers_are_listed():
    assert DISCRETIZERS == ("quartile", "decile", "entropy", "none")


@pytest.mark.parametrize("discretizer", DISCRETIZERS)
def test_every_discretizer_is_deterministic_and_ranks_the_used_feature_first(seven_feature_table, discretizer):
    lime = _fit(seven_feature_table, discretizer)
    row = seven_feature_table.iloc[3]

    first = lime.explain(row, _x3_model, label=1, num_samples=2000, random_state=1)
    again = lime.explain(row, _x3_model, label=1, num_samples=2000, random_state=1)

    assert first == again
    top, *rest = first.weights
    assert top.feature == "x3"
    assert max(abs(w.weight) for w in rest) < 0.2 * abs(top.weight)
    assert lime.discretizer == discretizer


def test_default_discretizer_is_quartile_and_gives_the_same_result(seven_feature_table, seven_feature_lime):
    row = seven_feature_table.iloc[0]

    explicit = _fit(seven_feature_table, "quartile").explain(row, _x3_model, label=1, random_state=0)

    assert explicit == seven_feature_lime.explain(row, _x3_model, label=1, random_state=0)


def test_decile_discretizer_makes_ten_bins_with_decile_conditions():
    frame = pd.DataFrame({"age": np.arange(1.0, 101.0)})
    lime = TabularLime.fit(frame, numeric=["age"], categorical=[], discretizer="decile")

    assert lime.numeric["age"].n_bins == 10
    np.testing.assert_allclose(lime.numeric["age"].edges, np.percentile(frame["age"], range(10, 100, 10)))
    explanation = lime.explain({"age": 35.0}, _constant_model, label=0, num_samples=50)
    assert explanation.weights[0].condition == "30.70 < age <= 40.60"


def test_entropy_discretizer_puts_an_edge_at_the_rule_threshold():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.uniform(-1.0, 1.0, 2000), "noise": rng.normal(size=2000)})
    labels = (frame["x"] > 0.3).astype(int).to_numpy()

    lime = TabularLime.fit(frame, numeric=["x", "noise"], categorical=[], discretizer="entropy", labels=labels)

    edges = lime.numeric["x"].edges
    assert np.min(np.abs(edges - 0.3)) < 0.01
    assert 1 <= len(edges) <= 7


def test_entropy_discretizer_needs_labels_and_unknown_discretizers_are_refused(seven_feature_table):
    with pytest.raises(ValueError, match="needs labels"):
        TabularLime.fit(
            seven_feature_table,
            numeric=[f"x{i}" for i in range(6)],
            categorical=["colour"],
            discretizer="entropy",
        )
    with pytest.raises(ValueError, match="discretizer must be one of"):
        TabularLime.fit(
            seven_feature_table,
            numeric=[f"x{i}" for i in range(6)],
            categorical=["colour"],
            discretizer="kmeans",
        )


def test_no_discretizer_samples_a_normal_and_weighs_per_standard_deviation():
    rng = np.random.default_rng(9)
    n = 3000
    frame = pd.DataFrame(
        {"a": rng.normal(10.0, 2.0, n), "b": rng.normal(0.0, 5.0, n), "kind": rng.choice(["x", "y"], n)}
    )
    seen: list[pd.DataFrame] = []

    def linear(df: pd.DataFrame) -> np.ndarray:
        seen.append(df)
        # +0.05 per unit of a (0.1 per standard deviation), nothing from b or kind
        g = np.clip(0.5 + 0.05 * (df["a"].to_numpy() - 10.0), 0.0, 1.0)
        return np.column_stack([1.0 - g, g])

    lime = TabularLime.fit(frame, numeric=["a", "b"], categorical=["kind"], discretizer="none")
    row = {"a": 11.0, "b": 2.0, "kind": "x"}
    explanation = lime.explain(row, linear, label=1, num_samples=5000, kernel_width=100.0, random_state=0)

    weights = {w.feature: w for w in explanation.weights}
    assert explanation.weights[0].feature == "a"
    assert weights["a"].condition == "a (11.00)"
    assert weights["kind"].condition == "kind = x"
    assert weights["a"].weight == pytest.approx(0.05 * frame["a"].std(ddof=0), rel=0.05)
    assert abs(weights["b"].weight) < 0.01
    # the surrogate at the instance is the model there
    assert explanation.local_prediction == pytest.approx(linear(pd.DataFrame([row]))[0, 1], abs=0.01)
    sampled = seen[0]["a"].to_numpy()[1:]
    assert sampled.mean() == pytest.approx(frame["a"].mean(), abs=0.1)
    assert sampled.std() == pytest.approx(frame["a"].std(ddof=0), rel=0.05)
    assert sampled.max() > frame["a"].max() - 1.0  # not truncated to bins


def test_no_discretizer_handles_missing_values():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    frame.loc[rng.random(500) < 0.2, "a"] = np.nan
    lime = TabularLime.fit(frame, numeric=["a", "b"], categorical=[], discretizer="none")

    explanation = lime.explain({"a": np.nan, "b": 0.5}, _constant_model, label=1, num_samples=200)

    assert {w.feature: w.condition for w in explanation.weights} == {"a": "a is missing", "b": "b (0.50)"}


def test_discretizer_survives_joblib_and_old_pickles_default_to_quartile(seven_feature_table):
    lime = _fit(seven_feature_table, "decile")
    buffer = io.BytesIO()
    joblib.dump(lime, buffer)
    buffer.seek(0)

    restored = joblib.load(buffer)
    old = TabularLime.__new__(TabularLime)
    old.__dict__.update({k: v for k, v in lime.__dict__.items() if k != "discretizer"})

    assert restored.discretizer == "decile"
    assert old.discretizer == "quartile"


# An explainer pickled before the per-column statistics moved out of
# lime_tabular.py: its bins are ``limelight.explainers.lime_tabular._NumericStats``
# and ``._CategoricalStats``, the names stored explainers on users' disks use.
# Fitted on the frame of the test below.
_PICKLED_BEFORE_THE_SPLIT = """
gASViAMAAAAAAACMIGV4cGxhbmF0aW9ucy5lbmdpbmUubGltZV90YWJ1bGFylIwLVGFidWxhckxpbWWUk5QpgZR9lCiMB2NvbHVt
bnOUXZQojANhZ2WUjARwbGFulGWMBmR0eXBlc5R9lChoB4wFbnVtcHmUjAVkdHlwZZSTlIwCZjiUiYiHlFKUKEsDjAE8lE5OTkr/
////Sv////9LAHSUYmgIaA2MAmk4lImIh5RSlChLA2gRTk5OSv////9K/////0sAdJRidYwHbnVtZXJpY5R9lGgHaACMDV9OdW1l
cmljU3RhdHOUk5QpgZR9lCiMBWVkZ2VzlIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlGgLjAduZGFy
cmF5lJOUSwCFlEMBYpSHlFKUKEsBSwOFlGgQiUMYAAAAAAAAPkAAAAAAAIBBQAAAAAAAAElAlHSUYowLaGFzX21pc3NpbmeUiIwF
ZnJlcXOUaCBoIksAhZRoJIeUUpQoSwFLBYWUaBCJQyhVVVVVVVXVP1VVVVVVVcU/VVVVVVVVxT9VVVVVVVXFP1VVVVVVVcU/lHSU
YowFbWVhbnOUaCBoIksAhZRoJIeUUpQoSwFLBYWUaBCJQygAAAAAAAA5QAAAAAAAgEFAAAAAAAAASUAAAAAAAABOQAAAAAAAAPh/
lHSUYowEc3Rkc5RoIGgiSwCFlGgkh5RSlChLAUsFhZRoEIlDKAAAAAAAABRAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
+H+UdJRijARtaW5zlGggaCJLAIWUaCSHlFKUKEsBSwWFlGgQiUMoAAAAAAAANEAAAAAAAIBBQAAAAAAAAElAAAAAAAAATkAAAAAA
AAD4f5R0lGKMBG1heHOUaCBoIksAhZRoJIeUUpQoSwFLBYWUaBCJQygAAAAAAAA+QAAAAAAAgEFAAAAAAAAASUAAAAAAAABOQAAA
AAAAAPh/lHSUYnVic4wLY2F0ZWdvcmljYWyUfZRoCGgAjBFfQ2F0ZWdvcmljYWxTdGF0c5STlCmBlH2UKIwGdmFsdWVzlEsBSwJL
A4eUaCtoIGgiSwCFlGgkh5RSlChLAUsDhZRoEIlDGAAAAAAAAOA/VVVVVVVV1T9VVVVVVVXFP5R0lGJ1YnOMC2Rpc2NyZXRpemVy
lIwIcXVhcnRpbGWUdWIu
"""


def test_explainer_pickled_before_the_statistics_moved_still_loads_and_explains_the_same():
    frame = pd.DataFrame({"age": [20.0, 30.0, np.nan, 50.0, 60.0, 35.0], "plan": [1, 2, 1, 3, 2, 1]})
    stored = pickle.loads(base64.b64decode(_PICKLED_BEFORE_THE_SPLIT))
    fresh = TabularLime.fit(frame, numeric=["age"], categorical=["plan"])

    def predict(f):  # p(class 1) rises with age
        p = 1 / (1 + np.exp(-(f["age"].fillna(40.0).to_numpy() - 40.0) / 10))
        return np.column_stack([1 - p, p])

    row = frame.iloc[0]
    assert stored.numeric["age"].edges.tolist() == [30.0, 35.0, 50.0]  # quartiles of 20, 30, 35, 50, 60
    assert stored.explain(row, predict, label=1, num_samples=200, random_state=3) == fresh.explain(
        row, predict, label=1, num_samples=200, random_state=3
    )


def test_engine_does_not_import_django():
    code = (
        "import sys\n"
        "import limelight.explainers.lime_tabular, limelight.drawing.charts\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
