"""Training pipelines over the original columns: every classifier, metrics, clear errors."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from limelight.catalogue import ESTIMATORS
from limelight.tabular.reading import TableError
from limelight.tabular.training import (
    CLASSIFIER_CARDS,
    CLASSIFIERS,
    MAX_ONE_HOT_CELLS,
    build_pipeline,
    clean_params,
    train_classifier,
)

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
    # The scores, counted by hand from the held-out rows' predictions and true classes.
    held_out = ~result.in_training & (result.truths >= 0)
    truth, guess = result.truths[held_out], result.predictions[held_out]
    assert result.metrics["accuracy"] == pytest.approx(np.mean(truth == guess))
    recalls = [np.mean(guess[truth == c] == c) for c in (0, 1)]
    assert result.metrics["balanced_accuracy"] == pytest.approx(np.mean(recalls))


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
    np.testing.assert_array_equal(result.predictions, result.pipeline.predict_proba(frame[FEATURES]).argmax(axis=1))


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
        (2, 4, "Predicting every row"),  # one pass over every row, the held-out ones included
        (3, 4, "Measuring accuracy on held-out rows"),
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
            "The class 'lonely' has only one row; each class needs at least two so some can be held out for testing.",
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


def test_every_classifier_has_a_card_with_one_to_three_safe_knobs():
    assert list(CLASSIFIER_CARDS) == list(ESTIMATORS)  # categories' models, then linear regression for amounts
    for name, card in CLASSIFIER_CARDS.items():
        assert card.name == name
        assert card.label == ESTIMATORS[name]
        assert len(card.description) > 150
        assert 1 <= len(card.knobs) <= 3
        for knob in card.knobs:
            if knob.kind == "choice":
                assert knob.default in knob.choices
            else:
                assert knob.minimum <= knob.default <= knob.maximum
        defaults = {knob.name: knob.default for knob in card.knobs}
        assert clean_params(name, None) == defaults
        assert clean_params(name, {}) == defaults


def test_clean_params_converts_form_text_and_fills_defaults():
    assert clean_params("random_forest", {"n_estimators": "50"}) == {"n_estimators": 50, "max_depth": 0}
    assert clean_params("svm", {"C": "2.5", "gamma": "auto"}) == {"C": 2.5, "gamma": "auto"}
    assert clean_params("knn", {"n_neighbors": 7.0, "weights": ""}) == {
        "n_neighbors": 7,
        "weights": "uniform",
    }
    assert clean_params("naive_bayes", {"var_smoothing": "1e-6"}) == {"var_smoothing": 1e-6}
    assert type(clean_params("logistic_regression", {"C": 3})["C"]) is float


@pytest.mark.parametrize(
    ("classifier", "params", "message"),
    [
        ("random_forest", {"n_estimators": 5}, "Number of trees must be between 10 and 500."),
        ("random_forest", {"n_estimators": "many"}, "Number of trees must be a number."),
        ("random_forest", {"n_estimators": 20.5}, "Number of trees must be a whole number."),
        ("random_forest", {"n_estimators": True}, "Number of trees must be a number."),
        ("logistic_regression", {"C": float("nan")}, "Regularisation strength C must be a number."),
        ("logistic_regression", {"C": 5000}, "Regularisation strength C must be between 0.001 and 1000."),
        ("svm", {"gamma": "huge"}, 'Reach of each row (gamma) must be one of "scale", "auto".'),
        ("knn", {"trees": 3}, 'Nearest neighbours has no setting called "trees". Its settings are: '),
        ("magic", {}, 'There is no classifier called "magic"'),
    ],
)
def test_clean_params_explains_bad_settings(classifier, params, message):
    with pytest.raises(TableError) as caught:
        clean_params(classifier, params)

    assert message in str(caught.value)


def test_settings_reach_the_estimator_and_zero_depth_means_no_limit():
    forest = build_pipeline("random_forest", numeric=["a"], categorical=[], params={"n_estimators": 15, "max_depth": 0})
    tree = build_pipeline("decision_tree", numeric=["a"], categorical=[], params={"max_depth": "4"})
    network = build_pipeline("mlp", numeric=["a"], categorical=[], params={"hidden_units": 8})

    assert forest.named_steps["model"].n_estimators == 15
    assert forest.named_steps["model"].max_depth is None
    assert tree.named_steps["model"].max_depth == 4
    assert tree.named_steps["model"].min_samples_leaf == 1
    assert network.named_steps["model"].hidden_layer_sizes == (8,)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("classifier", list(CLASSIFIERS))
def test_every_classifier_trains_with_non_default_settings(classifier):
    card = CLASSIFIER_CARDS[classifier]
    params = {
        knob.name: knob.choices[-1] if knob.kind == "choice" else knob.minimum + (knob.kind == "int")
        for knob in card.knobs
    }

    result = _train(_mixed_frame(), classifier, params=params)

    assert result.params == clean_params(classifier, params)
    held_out = ~result.in_training & (result.truths >= 0)
    assert result.metrics["accuracy"] == pytest.approx(np.mean(result.predictions[held_out] == result.truths[held_out]))


def test_knn_with_more_neighbours_than_training_rows_is_a_plain_error():
    with pytest.raises(TableError) as caught:
        _train(_mixed_frame(n=20), "knn", params={"n_neighbors": 50})

    assert "only 12 rows are used for training. Choose at most 12 neighbours." in str(caught.value)


def test_metrics_include_confusion_matrix_and_per_class_scores_and_are_json_ready():
    result = _train(_mixed_frame(n=200, seed=1), "decision_tree")

    metrics = json.loads(json.dumps(result.metrics))
    assert metrics == result.metrics
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (2, 2)
    assert matrix.sum() == metrics["n_test"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(metrics["accuracy"])
    assert [row["class"] for row in metrics["per_class"]] == ["high", "low"]
    assert [row["support"] for row in metrics["per_class"]] == matrix.sum(axis=1).tolist()
    for index, row in enumerate(metrics["per_class"]):
        assert row["recall"] == pytest.approx(matrix[index, index] / matrix[index].sum())
        assert row["precision"] == pytest.approx(matrix[index, index] / matrix[:, index].sum())
    assert metrics["macro_f1"] == pytest.approx(np.mean([row["f1"] for row in metrics["per_class"]]))
    assert set(metrics) == {
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "confusion_matrix",
        "per_class",
        "n_train",
        "n_test",
        "baseline_accuracy",
        "baseline_class",
    }


def test_numeric_zero_one_booleans_work_as_categories():
    frame = _mixed_frame()
    frame["colour"] = (frame["x1"] > 0).astype(float)

    result = _train(frame, "logistic_regression")

    encoder = result.pipeline.named_steps["preprocess"].named_transformers_["categorical"]
    assert encoder.named_steps["one_hot"].categories_[0].tolist() == ["0", "1"]
    assert result.metrics["accuracy"] > 0.9


def test_too_wide_one_hot_encoding_is_refused_naming_the_worst_columns():
    n = 20_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "label": pd.Series(rng.choice(["a", "b"], n), dtype="str"),
        }
    )
    wide = [f"code{i}" for i in range(30)]
    for name in wide:
        frame[name] = pd.Series([f"v{v}" for v in rng.integers(0, 500, n)], dtype="str")
    assert (1 + 30 * 100) * n > MAX_ONE_HOT_CELLS

    with pytest.raises(TableError) as caught:
        _train(frame, features=["x1", *wide], numeric=["x1"], categorical=wide)

    assert '(the largest: "code0", "code1", "code2")' in str(caught.value)
    assert "mark them as identifier or text" in str(caught.value)


def test_build_pipeline_rejects_unknown_classifier():
    with pytest.raises(TableError):
        build_pipeline("xgboost", numeric=["a"], categorical=[])


def test_engine_imports_without_django():
    code = (
        "import sys\n"
        "import limelight.tabular, limelight.tabular.reading, "
        "limelight.tabular.profiling, limelight.tabular.training, limelight.tabular.demos\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]

    completed = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "ok\n"


def test_the_baseline_always_guesses_the_training_rows_most_common_class():
    frame = _mixed_frame(n=200, seed=1)
    result = _train(frame, "decision_tree")

    train_truths = result.truths[result.in_training & (result.truths >= 0)]
    test_truths = result.truths[~result.in_training & (result.truths >= 0)]
    most_common = np.bincount(train_truths).argmax()
    assert result.metrics["baseline_accuracy"] == pytest.approx(np.mean(test_truths == most_common))
    assert len(test_truths) == result.metrics["n_test"]
    # One prediction pass: the confidence is the predicted class's probability for every row.
    proba = result.pipeline.predict_proba(frame[FEATURES])
    np.testing.assert_allclose(result.confidence, proba.max(axis=1))
    assert (result.predictions == proba.argmax(axis=1)).all()


def test_the_baseline_is_the_majority_class_and_its_share_of_the_held_out_rows():
    # 80 rows, 56 "yes" and 24 "no" (70/30). A quarter is held out, stratified: 20 rows, 14 of
    # them "yes". Always guessing "yes" (the majority, and not the first class by name) is right
    # on 14 of the 20: a baseline of 0.70.
    rng = np.random.default_rng(3)
    label = np.array(["yes"] * 56 + ["no"] * 24, dtype=object)
    rng.shuffle(label)
    frame = pd.DataFrame({"x1": rng.normal(size=80), "label": pd.Series(label, dtype="str")})

    result = _train(frame, "logistic_regression", features=["x1"], numeric=["x1"], categorical=[])

    assert result.class_names == ("no", "yes")
    assert (result.metrics["n_train"], result.metrics["n_test"]) == (60, 20)
    assert result.metrics["baseline_class"] == "yes"
    assert result.metrics["baseline_accuracy"] == pytest.approx(14 / 20)


def test_the_baseline_is_scored_on_the_held_out_rows_not_the_training_rows():
    # Chosen by hand: the training rows are 42 "yes" / 18 "no" (70%), the held-out rows 12 / 8
    # (60%). The baseline guesses the training rows' majority, "yes", and is right on 12 of the
    # 20 held-out rows: 0.60, not the 0.70 it would score on the rows it learned from.
    from sklearn.dummy import DummyClassifier

    from limelight.fitting import fit_and_measure

    truths = np.array([1] * 42 + [0] * 18 + [1] * 12 + [0] * 8)
    train_rows, test_rows = np.arange(60), np.arange(60, 80)
    inputs = np.zeros((80, 1))

    fitted = fit_and_measure(DummyClassifier(), inputs, truths, ("no", "yes"), train_rows, test_rows)

    assert fitted.metrics["baseline_class"] == "yes"
    assert fitted.metrics["baseline_accuracy"] == pytest.approx(12 / 20)
