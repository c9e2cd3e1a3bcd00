import io
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from limelight.explainers.kernel_shap import ShapExplanation, TabularShap
from limelight.explainers.lime_tabular import FeatureWeight, TabularLime

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]

LINEAR_WEIGHTS = {"x0": 0.08, "x1": -0.06, "x2": 0.04, "x3": -0.03, "x4": 0.0}


@pytest.fixture(scope="module")
def linear_table():
    rng = np.random.default_rng(3)
    return pd.DataFrame({c: rng.normal(size=800) for c in LINEAR_WEIGHTS})


def _linear_model(means: pd.Series):
    def predict_proba(frame: pd.DataFrame) -> np.ndarray:
        g = 0.5 + sum(w * (frame[c].to_numpy() - means[c]) for c, w in LINEAR_WEIGHTS.items())
        return np.column_stack([1.0 - g, g])

    return predict_proba


@pytest.fixture(scope="module")
def linear_shap(linear_table):
    return TabularShap.fit(linear_table, numeric=list(LINEAR_WEIGHTS), categorical=[])


def test_shap_values_of_a_linear_model_are_weight_times_distance_from_background_mean(linear_table, linear_shap):
    model = _linear_model(linear_table.mean())
    background_mean = dict(zip(linear_shap.columns, linear_shap.background.mean(axis=0), strict=True))
    row = linear_table.iloc[11]

    result = linear_shap.explain(row, model, label=1)

    expected = {c: w * (row[c] - background_mean[c]) for c, w in LINEAR_WEIGHTS.items()}
    assert {w.feature: w.weight for w in result.weights} == pytest.approx(expected, abs=1e-9)
    # The background is real training rows, so its mean is the model's average output.
    assert result.base_value == pytest.approx(
        0.5 + sum(w * (background_mean[c] - linear_table[c].mean()) for c, w in LINEAR_WEIGHTS.items()), abs=1e-12
    )
    assert result.prediction == pytest.approx(model(row.to_frame().T)[0, 1])
    assert result.base_value + sum(w.weight for w in result.weights) == pytest.approx(result.prediction, abs=1e-9)
    # Largest |value| first; the unused feature gets exactly nothing.
    assert [abs(w.weight) for w in result.weights] == sorted((abs(w.weight) for w in result.weights), reverse=True)
    assert result.weights[-1] == FeatureWeight("x4", f"x4 = {float(row['x4'])!r}", 0.0)
    # Label 0 is the mirror image.
    mirrored = linear_shap.explain(row, model, label=0)
    assert {w.feature: w.weight for w in mirrored.weights} == pytest.approx(
        {c: -v for c, v in expected.items()}, abs=1e-9
    )


def test_kernel_shap_and_lime_agree_in_sign_on_a_linear_model(linear_table, linear_shap):
    model = _linear_model(linear_table.mean())
    lime = TabularLime.fit(linear_table, numeric=list(LINEAR_WEIGHTS), categorical=[])
    background_mean = dict(zip(linear_shap.columns, linear_shap.background.mean(axis=0), strict=True))
    median = linear_table.median()
    agree = compared = 0
    for i in range(0, 400, 10):
        row = linear_table.iloc[i]
        shap_weights = {w.feature: w.weight for w in linear_shap.explain(row, model, label=1).weights}
        lime_weights = {w.feature: w.weight for w in lime.explain(row, model, label=1, num_samples=2000).weights}
        for feature, lime_weight in lime_weights.items():
            if abs(lime_weight) <= 0.01:  # the weights are 0.03..0.08 per standard deviation
                continue
            compared += 1
            if np.sign(shap_weights[feature]) == np.sign(lime_weight):
                agree += 1
                continue
            # The explainers measure from different points: SHAP from the
            # background mean, LIME (quartile bins) from the training median.
            # Only a value between the two may get opposite signs, and then
            # its SHAP value is tiny.
            low, high = sorted([background_mean[feature], median[feature]])
            assert low <= row[feature] <= high, (i, feature)
            assert abs(shap_weights[feature]) < 0.1 * abs(LINEAR_WEIGHTS[feature]), (i, feature)
    assert compared >= 80
    assert agree / compared >= 0.9


@pytest.fixture(scope="module")
def mixed_table():
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "age": rng.integers(20, 80, size=n),
            "income": rng.normal(50, 10, size=n),
            "sex": rng.choice(["female", "male"], size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n).astype(object),
            "noise": rng.normal(size=n),
        }
    )
    frame.loc[rng.random(n) < 0.15, "income"] = np.nan
    frame.loc[rng.random(n) < 0.15, "colour"] = None
    return frame


def _colour_model(frame: pd.DataFrame) -> np.ndarray:
    # Depends on colour (a missing colour counts as neither) and a little on
    # income, whose missing values the "pipeline" imputes with 50.
    g = np.where(frame["colour"].eq("red").fillna(False).to_numpy(dtype=bool), 0.9, 0.2)
    income = frame["income"].fillna(50.0).to_numpy()
    g = g + 0.002 * (income - 50.0)
    return np.column_stack([1.0 - g, g])


@pytest.fixture(scope="module")
def mixed_shap(mixed_table):
    return TabularShap.fit(mixed_table, numeric=["age", "income", "noise"], categorical=["sex", "colour"])


def test_used_feature_ranks_first_on_a_mixed_table_with_missing_values(mixed_table, mixed_shap):
    row = pd.Series({"age": 63, "income": np.nan, "sex": "male", "colour": "red", "noise": 0.25})

    result = mixed_shap.explain(row, _colour_model, label=1, num_features=3)

    assert len(result.weights) == 3
    assert result.weights[0].feature == "colour"
    assert result.weights[0].condition == "colour = red"
    assert result.weights[0].weight > 0.3
    assert {w.feature: w.weight for w in result.weights}.get("sex", 0.0) == pytest.approx(0.0, abs=1e-9)
    assert result.prediction == pytest.approx(0.9)

    full = mixed_shap.explain(row, _colour_model, label=1, num_features=10)
    conditions = {w.feature: w.condition for w in full.weights}
    assert conditions == {
        "age": "age = 63",
        "income": "income is missing",
        "sex": "sex = male",
        "colour": "colour = red",
        "noise": "noise = 0.25",
    }
    assert full.base_value + sum(w.weight for w in full.weights) == pytest.approx(full.prediction, abs=1e-9)


def test_decoded_frames_keep_columns_dtypes_and_missing_values(mixed_table, mixed_shap):
    seen: list[pd.DataFrame] = []

    def model(frame: pd.DataFrame) -> np.ndarray:
        seen.append(frame)
        return _colour_model(frame)

    row = pd.Series({"age": 30, "income": 61.0, "sex": np.nan, "colour": "purple", "noise": -1.0})
    mixed_shap.explain(row, model, label=1)

    batch = seen[-1]
    assert list(batch.columns) == list(mixed_table.columns)
    assert len(batch) > 1000  # one query for all coalitions x background rows
    assert set(batch["colour"].dropna()) == {"red", "green", "blue", "purple"}  # an unseen category reaches the model
    assert batch["colour"].isna().any() and batch["sex"].isna().any()
    assert set(batch["sex"].dropna()) == {"female", "male"}
    assert batch["age"].dtype == np.float64 and batch["income"].isna().sum() > 0


def test_same_seed_gives_identical_explanation_and_global_rng_is_untouched():
    rng = np.random.default_rng(1)
    columns = [f"f{i}" for i in range(14)]
    frame = pd.DataFrame(rng.normal(size=(300, 14)), columns=columns)
    shap = TabularShap.fit(frame, numeric=columns, categorical=[])

    def model(batch: pd.DataFrame) -> np.ndarray:
        g = 1.0 / (1.0 + np.exp(-(batch["f0"] * batch["f1"] + np.sin(batch["f2"]) + 0.3 * batch["f5"]).to_numpy()))
        return np.column_stack([1.0 - g, g])

    row = frame.iloc[4]
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = shap.explain(row, model, label=1, num_samples=200, random_state=5)
    again = shap.explain(row, model, label=1, num_samples=200, random_state=5)
    other = shap.explain(row, model, label=1, num_samples=200, random_state=6)

    assert np.array_equal(np.random.get_state()[1], before)
    assert first == again
    assert first.to_dict() == again.to_dict()
    assert first.num_samples == 200
    assert [w.weight for w in first.weights] != [w.weight for w in other.weights]
    # Sampled (not enumerated) coalitions still add up exactly, over all features.
    every = shap.explain(row, model, label=1, num_samples=200, random_state=5, num_features=14)
    assert every.base_value + sum(w.weight for w in every.weights) == pytest.approx(every.prediction, abs=1e-9)


def test_to_dict_is_json_ready_and_mirrors_lime_keys(linear_table, linear_shap):
    result = linear_shap.explain(linear_table.iloc[0], _linear_model(linear_table.mean()), label=1, num_features=2)
    data = result.to_dict()

    assert isinstance(result, ShapExplanation)
    assert data == {
        "label": 1,
        "weights": [{"feature": w.feature, "condition": w.condition, "weight": w.weight} for w in result.weights],
        "base_value": result.base_value,
        "prediction": result.prediction,
        "num_samples": result.num_samples,
        "intercept": result.base_value,
        "score": None,
    }
    assert len(data["weights"]) == 2
    assert data["num_samples"] == 2**5 - 2  # five features: every coalition enumerated


def test_progress_is_reported_and_explainer_survives_joblib(mixed_table, mixed_shap):
    buffer = io.BytesIO()
    joblib.dump(mixed_shap, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    calls: list[tuple[int, int]] = []
    row = mixed_table.iloc[2]

    restored_result = restored.explain(row, _colour_model, label=1, on_progress=lambda d, t: calls.append((d, t)))
    original_result = mixed_shap.explain(row, _colour_model, label=1)

    assert restored_result == original_result
    assert calls == [(0, restored_result.num_samples), (restored_result.num_samples, restored_result.num_samples)]


def test_bad_arguments_are_rejected(linear_table, linear_shap):
    model = _linear_model(linear_table.mean())
    row = linear_table.iloc[0]
    with pytest.raises(ValueError, match="num_samples"):
        linear_shap.explain(row, model, label=1, num_samples=10)
    with pytest.raises(ValueError, match="num_samples"):
        linear_shap.explain(row, model, label=1, num_samples="many")
    with pytest.raises(ValueError, match="out of range"):
        linear_shap.explain(row, model, label=2)
    with pytest.raises(ValueError, match="lacks columns"):
        linear_shap.explain(row.drop("x0"), model, label=1)
    with pytest.raises(ValueError, match="exactly the frame's columns"):
        TabularShap.fit(linear_table, numeric=["x0"], categorical=[])


def test_engine_does_not_import_django():
    code = (
        "import sys\n"
        "import limelight.explainers.kernel_shap\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
