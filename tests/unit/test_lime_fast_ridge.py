"""The closed-form weighted ridge of tabular LIME equals scikit-learn's Ridge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score

from limelight.explainers.lime_tabular import TabularLime
from limelight.explainers.weighted_ridge import weighted_r2, weighted_ridge

pytestmark = pytest.mark.unit

TOL = 1e-8


def _weighted_data(seed: int, n: int, d: int, binary: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = (rng.random((n, d)) < 0.6).astype(float) if binary else rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d)
    y = X @ rng.normal(size=d) + rng.normal(scale=0.5, size=n) + 3.0
    weights = np.sqrt(np.exp(-rng.uniform(0, 4, n)))  # LIME's kernel weights are in (0, 1]
    return X, y, weights


@pytest.mark.parametrize("alpha", [0.01, 1.0, 25.0])
@pytest.mark.parametrize(("seed", "n", "d", "binary"), [(0, 500, 8, True), (1, 300, 30, False), (2, 60, 90, True)])
def test_weighted_ridge_equals_sklearn_ridge(seed: int, n: int, d: int, binary: bool, alpha: float) -> None:
    X, y, weights = _weighted_data(seed, n, d, binary)
    reference = Ridge(alpha=alpha, fit_intercept=True).fit(X, y, sample_weight=weights)

    coef, intercept = weighted_ridge(X, y, weights, alpha)

    np.testing.assert_allclose(coef, reference.coef_, rtol=0, atol=TOL)
    assert intercept == pytest.approx(reference.intercept_, abs=TOL)
    predicted = X @ coef + intercept
    expected_score = reference.score(X, y, sample_weight=weights)
    assert weighted_r2(y, predicted, weights) == pytest.approx(expected_score, abs=TOL)


def test_weighted_r2_follows_sklearn_for_constant_targets() -> None:
    y = np.full(50, 0.75)
    weights = np.linspace(0.1, 1.0, 50)
    assert weighted_r2(y, y.copy(), weights) == r2_score(y, y, sample_weight=weights) == 1.0
    off = y + 0.1
    assert weighted_r2(y, off, weights) == r2_score(y, off, sample_weight=weights) == 0.0


def _sklearn_surrogate(z: np.ndarray, y: np.ndarray, weights: np.ndarray, k: int) -> tuple[list[int], Ridge, float]:
    """The surrogate as it was fitted before: two scikit-learn ridges."""
    selector = Ridge(alpha=0.01, fit_intercept=True).fit(z, y, sample_weight=weights)
    used = list(np.argsort(-np.abs(selector.coef_), kind="stable")[:k])
    surrogate = Ridge(alpha=1.0, fit_intercept=True).fit(z[:, used], y, sample_weight=weights)
    return used, surrogate, surrogate.score(z[:, used], y, sample_weight=weights)


@pytest.mark.parametrize("discretizer", ["quartile", "none"])
def test_fit_surrogate_matches_the_two_sklearn_ridges(discretizer: str) -> None:
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {f"x{i}": rng.normal(size=n) * (i + 1) for i in range(12)} | {"c": rng.choice(["a", "b", "c"], size=n)}
    )
    lime = TabularLime.fit(frame, numeric=[f"x{i}" for i in range(12)], categorical=["c"], discretizer=discretizer)
    samples = lime.sample(frame.iloc[3], num_samples=1500, random_state=4)
    weights_of = rng.normal(size=12)
    numeric = samples.frame[[f"x{i}" for i in range(12)]].to_numpy()
    y = 1 / (1 + np.exp(-(numeric @ weights_of) / 10 - (samples.frame["c"] == "b").to_numpy()))
    k = 5

    explanation = lime.fit_surrogate(samples, y, label=1, num_features=k)

    z = samples.z
    continuous = discretizer == "none"
    distances = np.sqrt(((z - z[0]) ** 2).sum(axis=1)) if continuous else np.sqrt((1.0 - z).sum(axis=1))
    kernel_width = 2.7041634565979922  # lime's default, 0.75 * sqrt(13 columns) = 0.75 * 3.6055512754639896
    weights = np.sqrt(np.exp(-(distances**2) / kernel_width**2))
    used, surrogate, score = _sklearn_surrogate(z, y, weights, k)
    expected = {lime.columns[j]: c for j, c in zip(used, surrogate.coef_, strict=True)}
    got = {w.feature: w.weight for w in explanation.weights}
    assert got.keys() == expected.keys()
    for feature, weight in got.items():
        assert weight == pytest.approx(expected[feature], abs=TOL)
    assert explanation.intercept == pytest.approx(surrogate.intercept_, abs=TOL)
    assert explanation.score == pytest.approx(score, abs=TOL)


def test_fit_surrogate_refuses_non_finite_probabilities() -> None:
    frame = pd.DataFrame({"a": np.arange(100.0), "b": np.arange(100.0) % 7})
    lime = TabularLime.fit(frame, numeric=["a", "b"], categorical=[])
    samples = lime.sample(frame.iloc[0], num_samples=100)
    y = np.full(100, 0.5)
    y[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lime.fit_surrogate(samples, y, label=1)


@pytest.mark.parametrize(("seed", "n", "d", "binary"), [(0, 500, 8, True), (1, 300, 30, False), (3, 400, 64, True)])
def test_forward_selection_picks_what_lime_s_loop_of_sklearn_fits_picks(seed, n, d, binary) -> None:
    from limelight.explainers.weighted_ridge import WeightedGram

    X, y, weights = _weighted_data(seed, n, d, binary)
    # lime's forward_selection, written out: add the column whose fit scores best, 6 times.
    expected: list[int] = []
    for _ in range(6):
        scores = []
        for j in range(d):
            if j in expected:
                scores.append(-np.inf)
                continue
            columns = [*expected, j]
            fit = Ridge(alpha=0.01, fit_intercept=True).fit(X[:, columns], y, sample_weight=weights)
            scores.append(fit.score(X[:, columns], y, sample_weight=weights))
        expected.append(int(np.argmax(scores)))

    chosen = WeightedGram.build(X, y, weights).forward_selection(6, 0.01)

    assert chosen.tolist() == expected


def test_few_reasons_are_chosen_by_the_fit_they_add_not_by_a_noisy_weight() -> None:
    # Column 0 decides y; column 1 is nearly constant (1 in 98% of rows) and, in the few rows
    # where it is 0, y happens to be high: a one-ridge ranking gives it a large weight, while
    # it adds little to the fit. Forward selection takes column 0 first.
    rng = np.random.default_rng(0)
    n = 2000
    X = np.column_stack([(rng.random(n) < 0.5), np.ones(n), (rng.random(n) < 0.5)]).astype(float)
    rare = rng.choice(n, 40, replace=False)
    X[rare, 1] = 0.0
    y = 0.3 * X[:, 0] + rng.normal(scale=0.05, size=n)
    y[rare] += 0.6  # the rare rows are high whatever column 0 says
    weights = np.ones(n)
    from limelight.explainers.weighted_ridge import WeightedGram

    gram = WeightedGram.build(X, y, weights)
    ranked = np.argsort(-np.abs(gram.solve(0.01)), kind="stable")
    assert ranked[0] == 1  # the noisy rare column wins the one-ridge ranking
    assert gram.forward_selection(1, 0.01).tolist() == [0]


def test_lime_chooses_up_to_six_reasons_by_forward_selection() -> None:
    # The case above, as LIME's binary samples (row 0 is the instance: all ones): asked for one
    # reason, the explanation names the column that decides, not the rare noisy one.
    from limelight.explainers.lime_tabular import TabularSamples

    rng = np.random.default_rng(0)
    n = 2000
    z = np.column_stack([(rng.random(n) < 0.5), np.ones(n), (rng.random(n) < 0.5)]).astype(float)
    rare = rng.choice(np.arange(1, n), 40, replace=False)
    z[rare, 1] = 0.0
    z[0] = 1.0
    y = 0.3 * z[:, 0] + rng.normal(scale=0.05, size=n)
    y[rare] += 0.6
    frame = pd.DataFrame({"a": ["x", "y"] * 5, "b": ["x", "y"] * 5, "c": ["x", "y"] * 5})
    lime = TabularLime.fit(frame, numeric=[], categorical=["a", "b", "c"])
    samples = TabularSamples(z=z, frame=frame, conditions={"a": "a = x", "b": "b = x", "c": "c = x"}, continuous=False)

    one = lime.fit_surrogate(samples, y, label=1, num_features=1, kernel_width=100.0)

    assert [w.feature for w in one.weights] == ["a"]
