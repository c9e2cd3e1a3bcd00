"""Training pipelines over the original columns: every classifier, metrics, clear errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from classifiers.tabular.reading import TableError
from classifiers.tabular.training import CLASSIFIERS, build_pipeline, train_classifier

pytestmark = pytest.mark.unit

NUMERIC = ["x1", "x2"]
CATEGORICAL = ["colour"]
FEATURES = ["x1", "colour", "x2"]  # file order


def _mixed_frame(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """A table whose label follows a rule, with gaps in every kind of column."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    label = np.where(x1 > 0, "high", "low").astype(object)
    x2[rng.choice(n, n // 10, replace=False)] = np.nan
    colour[rng.choice(n, n // 10, replace=False)] = np.nan
    label[rng.choice(n, 3, replace=False)] = np.nan
    return pd.DataFrame(
        {
            "x1": x1,
            "colour": pd.Series(colour, dtype="str"),
            "x2": x2,
            "label": pd.Series(label, dtype="str"),
        }
    )


def _train(frame: pd.DataFrame, classifier: str = "random_forest", **kwargs):
    arguments = {
        "target": "label",
        "features": FEATURES,
        "numeric": NUMERIC,
        "categorical": CATEGORICAL,
        "classifier": classifier,
    } | kwargs
    return train_classifier(frame, **arguments)


def test_classifier_names_and_labels():
    assert CLASSIFIERS == {
        "logistic_regression": "Logistic regression",
        "random_forest": "Random forest",
        "gradient_boosting": "Gradient boosting",
        "svm": "Support vector machine",
        "knn": "Nearest neighbours",
        "naive_bayes": "Naive Bayes",
        "decision_tree": "Decision tree",
        "mlp": "Neural network (MLP)",
    }


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("classifier", list(CLASSIFIERS))
def test_every_classifier_trains_and_predicts_probabilities_over_original_columns(classifier):
    frame = _mixed_frame()

    result = _train(frame, classifier)

    assert result.class_names == ("high", "low")
    assert result.numeric == ("x1", "x2")
    assert result.categorical == ("colour",)
    unseen = pd.DataFrame({"x1": [0.5, -1.0], "colour": ["purple", np.nan], "x2": [np.nan, 2.0]})
    probabilities = result.pipeline.predict_proba(unseen)
    assert probabilities.shape == (2, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert result.predictions.shape == (len(frame),)
    assert set(np.unique(result.predictions)) <= {0, 1}
    assert result.metrics["n_train"] + result.metrics["n_test"] == len(frame) - 3
    assert 0.0 <= result.metrics["accuracy"] <= 1.0
    assert 0.0 <= result.metrics["balanced_accuracy"] <= 1.0


def test_random_forest_learns_a_rule_defined_target():
    result = _train(_mixed_frame(n=200, seed=1))

    assert result.metrics["accuracy"] > 0.9
    assert result.metrics["n_test"] == 50  # ceil(0.25 * 197)
    assert result.metrics["n_train"] == 147
    assert list(result.train_frame.columns) == FEATURES
    assert len(result.train_frame) == 147


def test_truths_mark_missing_targets_and_predictions_cover_every_row():
    frame = _mixed_frame()

    result = _train(frame)

    missing = frame["label"].isna().to_numpy()
    expected = np.where(missing, -1, np.where(frame["label"] == "high", 0, 1))
    np.testing.assert_array_equal(result.truths, expected)
    np.testing.assert_array_equal(
        result.predictions, result.pipeline.predict_proba(frame[FEATURES]).argmax(axis=1)
    )


@pytest.mark.parametrize("classifier", ["random_forest", "mlp", "svm", "gradient_boosting"])
def test_same_random_state_gives_identical_predictions(classifier):
    frame = _mixed_frame(seed=2)

    first = _train(frame, classifier, random_state=5)
    second = _train(frame, classifier, random_state=5)

    np.testing.assert_array_equal(first.predictions, second.predictions)
    np.testing.assert_array_equal(
        first.pipeline.predict_proba(frame[FEATURES]),
        second.pipeline.predict_proba(frame[FEATURES]),
    )
    assert first.metrics == second.metrics


def test_numeric_target_classes_sort_as_numbers_and_display_without_decimals():
    frame = _mixed_frame()
    frame["label"] = np.where(frame["x1"] > 0.5, 10.0, np.where(frame["x1"] > -0.5, 2.0, 1.0))

    result = _train(frame, "decision_tree")

    assert result.class_names == ("1", "2", "10")
    assert result.pipeline.predict_proba(frame[FEATURES]).shape == (len(frame), 3)


def test_categorical_numbers_are_matched_as_text():
    frame = _mixed_frame()
    frame["colour"] = np.where(frame["x1"] > 0, 1.0, 2.0)

    result = _train(frame, "logistic_regression")

    as_text = frame.assign(colour=frame["colour"].map({1.0: "1", 2.0: "2"}))
    np.testing.assert_allclose(
        result.pipeline.predict_proba(as_text[FEATURES]),
        result.pipeline.predict_proba(frame[FEATURES]),
    )


def test_svm_copes_with_a_class_of_two_rows():
    frame = _mixed_frame(n=40)
    frame.loc[[0, 1], "label"] = "rare"

    result = _train(frame, "svm")

    assert result.class_names == ("high", "low", "rare")
    np.testing.assert_allclose(result.pipeline.predict_proba(frame[FEATURES]).sum(axis=1), 1.0)


def test_on_progress_reports_each_stage_in_order():
    calls = []

    _train(_mixed_frame(), "naive_bayes", on_progress=lambda *call: calls.append(call))

    assert calls == [
        (0, 4, "Preparing data"),
        (1, 4, "Training the model"),
        (2, 4, "Measuring accuracy on held-out rows"),
        (3, 4, "Predicting every row"),
        (4, 4, "Done"),
    ]


def _one_class(frame):
    frame["label"] = "same"
    return frame


def _one_row_class(frame):
    frame.loc[4, "label"] = "lonely"
    return frame


def _many_classes(frame):
    frame["label"] = [f"c{i % 60}" for i in range(len(frame))]
    return frame


def _few_rows(frame):
    frame.loc[9:, "label"] = np.nan
    return frame


@pytest.mark.parametrize(
    ("change", "overrides", "message"),
    [
        (None, {"classifier": "magic"}, 'There is no classifier called "magic"'),
        (None, {"target": "nope"}, 'The table has no column called "nope".'),
        (None, {"features": [], "numeric": [], "categorical": []}, "Choose at least one column"),
        (
            None,
            {"features": ["x1", "label"], "numeric": ["x1"], "categorical": ["label"]},
            'The column "label" is the one to predict',
        ),
        (_one_class, {}, 'The column you chose to predict, "label", has only one value ("same")'),
        (_many_classes, {}, 'The column "label" has 60 different values'),
        (
            _one_row_class,
            {},
            "The class 'lonely' has only one row; each class needs at least two so some "
            "can be held out for testing.",
        ),
        (_few_rows, {}, 'Only 9 rows have a value in "label"; at least 10'),
    ],
    ids=[
        "classifier",
        "target",
        "no-features",
        "target-as-feature",
        "one-class",
        "too-many-classes",
        "one-row-class",
        "few-rows",
    ],
)
def test_train_classifier_explains_problems_in_plain_words(change, overrides, message):
    frame = _mixed_frame(n=120)
    if change is not None:
        frame = change(frame)

    with pytest.raises(TableError) as caught:
        _train(frame, **overrides)

    assert message in str(caught.value)


def test_build_pipeline_rejects_unknown_classifier():
    with pytest.raises(TableError):
        build_pipeline("xgboost", numeric=["a"], categorical=[])


def test_engine_imports_without_django():
    code = (
        "import sys\n"
        "import classifiers.tabular, classifiers.tabular.reading, "
        "classifiers.tabular.profiling, classifiers.tabular.training\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]

    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "ok\n"
