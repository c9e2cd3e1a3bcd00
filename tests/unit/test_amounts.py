"""Amounts (issue 25) in the engine: the task rule, the adapter every explainer reads, the default band,
the scores, units, and known answers for LIME and Anchors on amounts.

Expected values come from the problems: hand-computed scores, the closed form of LIME on a linear
model (derived below), and data whose amount depends on one column only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from limelight.amounts import AmountModel, InBand, actual_predicted, amount_metrics, default_band, unit_of
from limelight.explainers.anchor_tabular import TabularAnchors
from limelight.explainers.lime_tabular import KEEP_SHARE, TabularLime
from limelight.tabular.reading import TableError
from limelight.tabular.tasks import choose_task, default_task, tasks_possible
from limelight.tabular.training import train_classifier

pytestmark = pytest.mark.unit

COLUMNS = ["x1", "x2", "x3"]


# --- the task rule ------------------------------------------------------------------------------


def test_many_numbers_are_an_amount_a_rating_may_be_either_yes_no_and_text_never_an_amount():
    frame = pd.DataFrame(
        {
            "mass": np.linspace(3000, 6000, 60),  # 60 different numbers
            "rating": np.tile([1, 2, 3, 4, 5], 12),
            "smoker": np.tile([0, 1], 30),
            "species": np.tile(["a", "b", "c"], 20),
            "twenty": np.tile(np.arange(20), 3),  # 20 different numbers: still may be either
            "twenty_one": np.concatenate([np.arange(21), np.arange(21), np.arange(18)]),
        }
    )
    assert default_task(frame, "mass") == "regression" and tasks_possible(frame, "mass") == ("regression",)
    assert tasks_possible(frame, "rating") == ("classification", "regression")
    assert tasks_possible(frame, "smoker") == ("classification",)
    assert tasks_possible(frame, "species") == ("classification",)
    assert tasks_possible(frame, "twenty") == ("classification", "regression")
    assert tasks_possible(frame, "twenty_one") == ("regression",)
    assert choose_task(frame, "rating", "regression") == "regression"
    assert choose_task(frame, "rating", "") == "classification"
    with pytest.raises(TableError, match="cannot be predicted as an amount"):
        choose_task(frame, "smoker", "regression")
    with pytest.raises(TableError, match="predict it as an amount"):
        choose_task(frame, "mass", "classification")


# --- the adapter, the band, the scores ----------------------------------------------------------


class Doubler:
    def fit(self, X, y):
        return self

    def predict(self, X):
        return 2.0 * np.asarray(X)[:, 0]


def test_the_adapter_answers_predict_proba_with_the_amount_as_one_column():
    model = AmountModel(Doubler())
    out = model.predict_proba(np.array([[1.0], [2.5]]))
    assert out.shape == (2, 1) and out[:, 0].tolist() == [2.0, 5.0]


def test_in_band_is_a_yes_no_model_whose_second_column_is_inside():
    in_band = InBand(AmountModel(Doubler()).predict_proba, 4.0, 6.0)
    inside = in_band.predict_proba(np.array([[1.0], [2.0], [3.0], [3.5]]))
    # amounts 2, 4, 6, 7: the band is closed at both ends
    assert inside[:, 1].tolist() == [0.0, 1.0, 1.0, 0.0] and (inside.sum(axis=1) == 1).all()


def test_the_default_band_is_a_tenth_of_the_5th_to_95th_percentile_spread():
    # 0, 1, ..., 100: numpy's percentiles are exactly 5 and 95, so the band is (95 - 5) / 10.
    assert default_band(np.arange(101.0)) == pytest.approx(9.0)
    # one wild value does not widen it
    assert default_band(np.append(np.arange(101.0), 1e9)) == pytest.approx(9.0, rel=0.02)


def test_scores_by_hand():
    train = np.array([10.0, 20.0, 60.0])  # the training mean, 30, is what the baseline always predicts
    truths = np.array([12.0, 18.0, 30.0])  # the hold-out's own mean is 20
    predictions = np.array([14.0, 18.0, 27.0])
    metrics = amount_metrics(train, truths, predictions)
    assert metrics["mae"] == pytest.approx((2 + 0 + 3) / 3)
    assert metrics["baseline_mae"] == pytest.approx((18 + 12 + 0) / 3) and metrics["baseline_value"] == 30
    # R²: 1 - (4 + 0 + 9) / Σ(t - 20)² with the hold-out's own mean 20 -> 64 + 4 + 100 = 168
    assert metrics["r2"] == pytest.approx(1 - 13 / 168)
    assert metrics["actual_predicted"] == [[12.0, 14.0], [18.0, 18.0], [30.0, 27.0]]


def test_at_most_500_chart_pairs_a_seeded_sample():
    truths = np.arange(2000.0)
    pairs = actual_predicted(truths, truths + 1, random_state=3)
    assert len(pairs) == 500 and pairs == actual_predicted(truths, truths + 1, random_state=3)
    assert all(p == a + 1 for a, p in pairs) and len({a for a, _ in pairs}) == 500


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("body_mass_g", "g"),
        ("flipper_length_mm", "mm"),
        ("price (€)", "€"),
        ("Weight [kg]", "kg"),
        ("length_of_stay_days", "days"),
        ("price_usd", "USD"),
        ("progression", ""),
        ("days", ""),  # a unit alone is not sure to be one
        ("triglycerides (log)", ""),  # a word in brackets is not a unit
        ("area (m²)", "m²"),
        ("score", ""),
    ],
)
def test_the_unit_a_column_name_carries(name, unit):
    assert unit_of(name) == unit


# --- LIME on a linear model: the closed form ----------------------------------------------------


def linear_frame(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(0, 10, size=(rows, 3)), columns=COLUMNS)


def closed_form_weight(train: np.ndarray, value: float, coefficient: float, keep: float = KEEP_SHARE) -> float:
    """LIME's weight of a feature of a linear model f(x) = Σ c_j x_j, quartile bins, in expectation.

    Derivation (the linear case of Garreau & von Luxburg, "Looking deeper into tabular LIME", 2022;
    Garreau & Mardaoui treat text and images the same way): tabular LIME draws each feature
    independently, first a quartile bin k with the training frequency p_k, then a value from a normal
    with the bin's training mean and sd truncated to the bin's training [min, max]. The interpretable
    feature z_j is 1 when the draw falls in the explained row's bin b. Limelight also keeps the row's own
    value with probability q (``keep``, lime_tabular.KEEP_SHARE; lime's own sampling is q = 0). So
    E[x_j | z_j = 1] = (q x_j + (1 − q) p_b m_b) / (q + (1 − q) p_b) and
    E[x_j | z_j = 0] = Σ_{k≠b} p_k m_k / Σ_{k≠b} p_k, with m_k the truncated normal's mean, and
    E[f | z] = const + Σ_j c_j (m_b − m_out) z_j is exactly linear in z. The surrogate's weights depend
    on z only, so weighted least squares of f on z recovers β_j = c_j (m_b − m_out) (up to the
    ridge's alpha = 1, negligible against thousands of samples).
    """
    edges = np.percentile(train, [25, 50, 75])
    bins = np.searchsorted(edges, train, side="left")
    p, m = [], []
    for k in range(4):
        values = train[bins == k]
        mu, sd, low, high = values.mean(), values.std(), values.min(), values.max()
        a, b = (low - mu) / sd, (high - mu) / sd
        m.append(mu + sd * (norm.pdf(a) - norm.pdf(b)) / (norm.cdf(b) - norm.cdf(a)))
        p.append(len(values) / len(train))
    own = int(np.searchsorted(edges, value, side="left"))
    others = [k for k in range(4) if k != own]
    m_in = (keep * value + (1 - keep) * p[own] * m[own]) / (keep + (1 - keep) * p[own])
    m_out = sum(p[k] * m[k] for k in others) / sum(p[k] for k in others)
    return coefficient * (m_in - m_out)


def test_lime_weights_of_a_linear_amount_match_the_closed_form():
    frame = linear_frame()
    coefficients = {"x1": 3.0, "x2": -2.0, "x3": 0.0}

    def linear(X: pd.DataFrame) -> np.ndarray:
        return sum(c * X[name].to_numpy(dtype=float) for name, c in coefficients.items()).reshape(-1, 1)

    lime = TabularLime.fit(frame, numeric=COLUMNS, categorical=[])
    row = pd.Series({"x1": 8.7, "x2": 1.2, "x3": 4.0})
    weights = {}
    for seed in range(4):  # four runs of 5,000 samples: the mean is compared, its spread says how close
        result = lime.explain(row, linear, label=0, num_samples=5000, num_features=3, random_state=seed)
        for w in result.weights:
            weights.setdefault(w.feature, []).append(w.weight)
    for name, c in coefficients.items():
        expected = closed_form_weight(frame[name].to_numpy(), row[name], c)
        got = np.mean(weights[name])
        # Within 4 standard errors of the mean of 4 runs, plus 0.5% of the largest weight (x1's, about
        # 3 × (8.75 − 3.75) = 15) for the ridge's shrinkage and the row's own sample.
        assert abs(got - expected) < 0.005 * 15 + 4 * np.std(weights[name]) / np.sqrt(3), (name, got, expected)
    assert abs(np.mean(weights["x3"])) < 0.1


def test_lime_on_a_trained_linear_regression_weighs_x1_up_x2_down_and_x3_least():
    rng = np.random.default_rng(1)
    frame = linear_frame(400, seed=1)
    frame["y"] = 3 * frame.x1 - 2 * frame.x2 + rng.normal(0, 0.5, len(frame))
    trained = train_classifier(
        frame, target="y", features=COLUMNS, numeric=COLUMNS, categorical=[], classifier="linear_regression",
        task="regression",
    )  # fmt: skip
    lime = TabularLime.fit(trained.train_frame, numeric=COLUMNS, categorical=[])
    # A quartile weight says what being in the row's bin does: a row in the top quartile of both x1 and x2,
    # so x1 (coefficient 3) pushes the amount up and x2 (coefficient -2) down.
    row = frame.iloc[19]
    assert row.x1 > 7.5 and row.x2 > 7.5, row
    result = lime.explain(
        row[COLUMNS], trained.pipeline.predict_proba, label=0, num_samples=3000, num_features=3, random_state=0
    )
    weights = {w.feature: w.weight for w in result.weights}
    assert weights["x1"] > 0 and weights["x2"] < 0
    assert abs(weights["x3"]) < min(abs(weights["x1"]), abs(weights["x2"])) / 10


# --- Anchors for amounts -------------------------------------------------------------------------


def test_anchors_for_an_amount_that_depends_only_on_x1_above_5_name_x1_only():
    rng = np.random.default_rng(2)
    frame = linear_frame(400, seed=2)
    frame["y"] = np.where(frame.x1 > 5, 10.0, 0.0) + rng.normal(0, 0.1, len(frame))
    trained = train_classifier(
        frame, target="y", features=COLUMNS, numeric=COLUMNS, categorical=[], classifier="random_forest",
        task="regression",
    )  # fmt: skip
    anchors = TabularAnchors.fit(frame[COLUMNS], numeric=COLUMNS, categorical=[], random_state=0)
    row = pd.Series({"x1": 8.0, "x2": 3.0, "x3": 6.0})
    value = trained.pipeline.predict_proba(pd.DataFrame([row]))[0, 0]
    assert value == pytest.approx(10.0, abs=0.5)
    band = trained.metrics["default_band"]  # a tenth of the 5-95% spread: about 1
    in_band = InBand(trained.pipeline.predict_proba, value - band, value + band)
    result = anchors.explain(row, in_band.predict_proba, threshold=0.95, random_state=0)
    assert list(result.features) == ["x1"], result.rule
    assert result.meets_threshold


# --- the deletion curves of an amount -----------------------------------------------------------------


@pytest.mark.parametrize(("spread", "better", "words"), [(1000.0, True, "faster"), (1e5, False, "about as fast")])
def test_deletion_curves_of_an_amount_count_differences_against_its_spread(spread, better, words):
    from limelight.explainers.diagnostics import deletion_insertion_tabular

    def amount(X: pd.DataFrame) -> np.ndarray:  # 100 per unit of x1; x2 and x3 do nothing
        return (100.0 * X["x1"].to_numpy(dtype=float)).reshape(-1, 1)

    row = pd.Series({"x1": 10.0, "x2": 5.0, "x3": 5.0})
    curves = deletion_insertion_tabular(
        row, amount, label=0, order=["x1"], baseline={"x1": 0.0, "x2": 0.0, "x3": 0.0}, amount_spread=spread
    )
    deletion = curves.deletion
    # Hiding x1 takes the amount from 1,000 to 0: a trapezoid of area (1000 + 0) / 2 over x from 0 to 1.
    assert deletion.explanation == (1000.0, 0.0) and deletion.auc == pytest.approx(500.0)
    # A random order hides x1 (area 500) or a feature that does nothing (area 1000): at most 500 apart,
    # which is over 2% of a spread of 1,000 (20) but under 2% of 100,000 (2,000).
    assert deletion.better_than_random is better and words in deletion.verdict
    assert "predicted amount" in deletion.verdict and "probability" not in deletion.verdict
    assert not deletion.saturated


def test_an_amount_most_rows_share_is_learned_with_a_warning_naming_the_share_and_value():
    from limelight.tabular.tasks import check_amount_target

    # A count of visits: 60 of 100 people never came (0), the others from 1 to 40 times.
    visits = np.concatenate([np.zeros(60), np.arange(1, 41)])
    (warning,) = check_amount_target(pd.DataFrame({"visits": visits}), "visits").warnings
    assert "60% of the rows have the same “visits”, 0" in warning
    spread = pd.DataFrame({"visits": np.arange(100.0)})
    assert check_amount_target(spread, "visits").warnings == ()


def test_an_infinite_amount_is_left_out_like_a_missing_one():
    frame = linear_frame(120, seed=3)
    frame["y"] = 3 * frame.x1
    frame.loc[5, "y"] = np.inf
    trained = train_classifier(
        frame, target="y", features=COLUMNS, numeric=COLUMNS, categorical=[], classifier="linear_regression",
        task="regression",
    )  # fmt: skip
    assert np.isnan(trained.truths[5]) and not trained.in_training[5] and np.isfinite(trained.predictions[5])
    assert trained.metrics["n_train"] + trained.metrics["n_test"] == 119 and np.isfinite(trained.metrics["mae"])
