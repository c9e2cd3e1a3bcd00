"""Build and train scikit-learn pipelines over a table's original columns.

All preprocessing lives inside the pipeline, so the fitted model is a black
box that takes a DataFrame with the user's own column names and returns class
probabilities. That is exactly what a perturbation explainer needs: LIME and
Anchors can vary "age" or "workclass" directly without knowing about scaling
or one-hot encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted

from limelight.values import value_text

from ..amounts import AmountModel, amount_truths
from ..catalogue import (
    CLASSIFIER_CARDS,
    CLASSIFIERS,
    REGRESSORS,
    ClassifierCard,
    Knob,
    clean_params,
    wrong_task_message,
)
from ..fitting import STAGES, fit_and_measure, holdout_split
from .numbers import parse_as_numbers
from .profiling import MAX_CLASSES, MIN_LABELLED_ROWS, sorted_classes
from .reading import TableError
from .tasks import CLASSIFICATION, REGRESSION, check_amount_target

__all__ = [
    "CLASSIFIERS",
    "CLASSIFIER_CARDS",
    "MAX_ONE_HOT_CELLS",
    "CalibratedSVC",
    "ClassifierCard",
    "Knob",
    "TrainingResult",
    "build_pipeline",
    "clean_params",
    "train_classifier",
]

# Distance- and gradient-based estimators are sensitive to feature scale.
_NEEDS_SCALING = frozenset({"logistic_regression", "linear_regression", "svm", "knn", "mlp"})
MISSING_CATEGORY = "(missing)"
# One-hot columns beyond this per feature are pooled into one "infrequent"
# column: it keeps the dense matrix (needed by naive Bayes and gradient
# boosting) bounded when a category column has thousands of values.
_MAX_CATEGORIES = 100
_MAX_CLASSES = MAX_CLASSES
# The encoded training matrix is dense (float64): 50 million cells are about
# 400 MB, the most a worker should hold for one model.
MAX_ONE_HOT_CELLS = 50_000_000
_WORST_COLUMNS = 3
_STAGES = STAGES
_TOO_FEW = (
    "There are too few rows to train and test a model that tells {n_classes} "
    "classes apart. Add rows or choose a column with fewer classes."
)

ProgressCallback = Callable[[int, int, str], None]


# eq=False: the fields hold arrays and frames, which have no single truth value.
@dataclass(frozen=True, eq=False)
class TrainingResult:
    """A fitted pipeline and what we measured about it.

    ``predict_proba`` columns of :attr:`pipeline` follow :attr:`class_names`.
    ``metrics`` is JSON-ready and holds, on the held-out rows, ``accuracy``,
    ``balanced_accuracy`` and ``macro_f1`` (floats), ``confusion_matrix``
    (a list of lists of ints: rows are the true class, columns the predicted
    one, both in :attr:`class_names` order) and ``per_class`` (one dict per
    class with ``class``, ``precision``, ``recall``, ``f1``, ``support``);
    plus ``n_train`` / ``n_test`` (ints). ``predictions`` and ``truths`` are
    class indices for every row of the input frame, in frame order;
    ``truths`` is -1 where the target is missing. ``train_frame`` is the
    training split's feature columns, for the explainer's statistics.
    ``params`` are the classifier settings used, after :func:`clean_params`.
    """

    pipeline: Any  # a Pipeline, or an AmountModel around one for an amount
    class_names: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    metrics: dict[str, Any]
    predictions: np.ndarray
    truths: np.ndarray
    train_frame: pd.DataFrame
    params: dict[str, object] = field(default_factory=dict)
    confidence: np.ndarray | None = None  # the predicted class's probability, per row
    in_training: np.ndarray | None = None  # the rows the pipeline was fitted on


class CalibratedSVM(ClassifierMixin, BaseEstimator):
    """A support vector machine with probabilities from sigmoid calibration (subclasses pick the SVM).

    ``SVC(probability=True)`` is deprecated in scikit-learn 1.9 and ``LinearSVC`` has no
    probabilities. Calibrating with cross-validation needs as many rows per class as folds,
    which small uploads do not always have, so the number of folds follows the data (and
    with a single-row class the SVM is calibrated on its own training rows rather than
    failing).
    """

    max_folds: int

    def _svm(self) -> BaseEstimator:
        raise NotImplementedError

    def fit(self, X: Any, y: Any) -> CalibratedSVM:
        """Fit the SVM and its sigmoid calibration."""
        _, counts = np.unique(y, return_counts=True)
        folds = min(self.max_folds, int(counts.min()))
        if folds >= 2:
            cv: Any = StratifiedKFold(folds)
        else:
            # One "split" that trains and calibrates on every row: optimistic
            # probabilities, but better than refusing a small upload.
            everything = np.arange(len(y))
            cv = [(everything, everything)]
        # ensemble=False keeps one SVM for prediction: explanations query the
        # model thousands of times, so one SVM is k times cheaper.
        self.calibrated_ = CalibratedClassifierCV(self._svm(), method="sigmoid", cv=cv, ensemble=False).fit(X, y)
        self.classes_ = unique_labels(y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated class probabilities, columns in ``classes_`` order."""
        check_is_fitted(self)
        return self.calibrated_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class CalibratedSVC(CalibratedSVM):
    """An RBF support vector machine with calibrated probabilities."""

    def __init__(self, C: float = 1.0, gamma: str | float = "scale", max_folds: int = 3):
        self.C = C
        self.gamma = gamma
        self.max_folds = max_folds

    def _svm(self) -> BaseEstimator:
        return SVC(C=self.C, gamma=self.gamma, kernel="rbf")


def build_pipeline(
    classifier: str,
    *,
    numeric: list[str],
    categorical: list[str],
    random_state: int = 0,
    params: Mapping[str, object] | None = None,
    decimal: str = ".",
    task: str = CLASSIFICATION,
) -> Any:
    """An unfitted pipeline from the original columns to ``classifier``'s probabilities.

    Numeric columns are median-imputed (and standardised for estimators that
    need it); categorical columns (yes/no columns too, whether written as
    text or 0/1) get a "(missing)" category and are one-hot encoded, ignoring
    categories unseen in training. Number columns that arrive as text are read
    as the file writes numbers (``decimal``: 39,1 when it is ``","``), never
    dropped. ``params`` are the classifier's knobs
    (see :data:`CLASSIFIER_CARDS`); missing ones take their defaults. For an
    amount (``task="regression"``) the pipeline ends in a regressor of the same
    family and is wrapped in :class:`limelight.amounts.AmountModel`. Raises
    :class:`TableError` for an unknown classifier name, a bad setting, or
    when there are no columns at all.
    """
    settings = clean_params(classifier, params)
    if not numeric and not categorical:
        raise TableError("Choose at least one column for the model to learn from.")

    numeric_steps: list[tuple[str, Any]] = [
        ("as_number", FunctionTransformer(_as_numbers, kw_args={"decimal": decimal}, feature_names_out="one-to-one")),
        # keep_empty_features: a column empty in the training split must not
        # silently change the number of model inputs.
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
    ]
    if classifier in _NEEDS_SCALING:
        numeric_steps.append(("scale", StandardScaler()))
    categorical_steps: list[tuple[str, Any]] = [
        ("as_text", FunctionTransformer(_as_text, feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
        (
            "one_hot",
            OneHotEncoder(
                handle_unknown="ignore",
                sparse_output=False,
                max_categories=_MAX_CATEGORIES,
            ),
        ),
    ]
    transformers: list[tuple[str, Any, list[str]]] = []
    if numeric:
        transformers.append(("numeric", Pipeline(numeric_steps), list(numeric)))
    if categorical:
        transformers.append(("categorical", Pipeline(categorical_steps), list(categorical)))
    preprocess = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
    if task == REGRESSION:
        regressor = _regressor(classifier, random_state, settings)
        return AmountModel(Pipeline([("preprocess", preprocess), ("model", regressor)]))
    model = _estimator(classifier, random_state, settings)
    return Pipeline([("preprocess", preprocess), ("model", model)])


def _depth(value: object) -> int | None:
    # The form's "0 = no limit" is scikit-learn's None.
    return int(value) or None  # type: ignore[call-overload]


def _estimator(classifier: str, random_state: int, p: Mapping[str, Any]) -> BaseEstimator:
    match classifier:
        case "logistic_regression":
            return LogisticRegression(C=p["C"], max_iter=2000, random_state=random_state)
        case "random_forest":
            # One thread: each Celery worker process is already one unit of
            # parallelism, and nested threads fight over cores.
            return RandomForestClassifier(
                n_estimators=p["n_estimators"],
                max_depth=_depth(p["max_depth"]),
                n_jobs=1,
                random_state=random_state,
            )
        case "gradient_boosting":
            return HistGradientBoostingClassifier(
                learning_rate=p["learning_rate"], max_iter=p["max_iter"], random_state=random_state
            )
        case "svm":
            return CalibratedSVC(C=p["C"], gamma=p["gamma"])
        case "knn":
            return KNeighborsClassifier(n_neighbors=p["n_neighbors"], weights=p["weights"])
        case "naive_bayes":
            return GaussianNB(var_smoothing=p["var_smoothing"])
        case "decision_tree":
            return DecisionTreeClassifier(
                max_depth=_depth(p["max_depth"]),
                min_samples_leaf=p["min_samples_leaf"],
                random_state=random_state,
            )
        case "mlp":
            # A loose tolerance stops training once the loss has levelled off:
            # a tight one kept adult-sized tables training for minutes.
            return MLPClassifier(
                hidden_layer_sizes=(p["hidden_units"],),
                alpha=p["alpha"],
                max_iter=200,
                tol=1e-3,
                random_state=random_state,
            )
    raise AssertionError(classifier)  # clean_params checked the name


def _scaled_target(regressor: BaseEstimator) -> BaseEstimator:
    # SVR's margin (epsilon 0.1) and the MLP's first steps assume an amount near unit scale:
    # grams in the thousands would leave SVR predicting the mean. Learn the standardised amount.
    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


def _regressor(classifier: str, random_state: int, p: Mapping[str, Any]) -> BaseEstimator:
    """The amount-predicting member of each family, with the same knobs as its classifier."""
    match classifier:
        case "linear_regression":
            return Ridge(alpha=p["alpha"])
        case "random_forest":
            return RandomForestRegressor(
                n_estimators=p["n_estimators"], max_depth=_depth(p["max_depth"]), n_jobs=1, random_state=random_state
            )
        case "gradient_boosting":
            return HistGradientBoostingRegressor(
                learning_rate=p["learning_rate"], max_iter=p["max_iter"], random_state=random_state
            )
        case "svm":
            return _scaled_target(SVR(C=p["C"], gamma=p["gamma"], kernel="rbf"))
        case "knn":
            return KNeighborsRegressor(n_neighbors=p["n_neighbors"], weights=p["weights"])
        case "decision_tree":
            return DecisionTreeRegressor(
                max_depth=_depth(p["max_depth"]), min_samples_leaf=p["min_samples_leaf"], random_state=random_state
            )
        case "mlp":
            return _scaled_target(
                MLPRegressor(
                    hidden_layer_sizes=(p["hidden_units"],),
                    alpha=p["alpha"],
                    max_iter=200,
                    tol=1e-3,
                    random_state=random_state,
                )
            )
    raise AssertionError(classifier)  # the caller checked the name against REGRESSORS


def _as_numbers(X: Any, decimal: str = ".") -> pd.DataFrame:
    """Floats, so explainers may pass numbers as any dtype (or None); text ("39,1") is read
    as the file writes numbers, through the same parser as the file (never silently lost)."""
    frame = pd.DataFrame(X)
    columns = {name: _column_numbers(frame[name], decimal) for name in frame.columns}
    return pd.DataFrame(columns, index=frame.index, columns=frame.columns)


def _column_numbers(column: pd.Series, decimal: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) or column.isna().all():
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64")
    # Numbers stay as they are (1.234 is never re-read as 1234); only text goes through the parser.
    values = column.to_numpy(dtype=object)
    numbers = np.full(len(values), np.nan)
    texts = np.full(len(values), None, dtype=object)
    for position, value in enumerate(values):
        if isinstance(value, str):
            texts[position] = value
        elif value is not None and not pd.isna(value):
            numbers[position] = float(value)
    return np.where(np.isnan(numbers), parse_as_numbers(texts, decimal).values, numbers)


def _read_number_columns(frame: pd.DataFrame, numeric: Sequence[str]) -> pd.DataFrame:
    """The frame with its number columns as floats, read with the file's decimal: the model, its
    hold-out and the explainers' statistics all see the numbers the person wrote."""
    decimal = frame.attrs.get("decimal", ".")
    texts = [name for name in numeric if not pd.api.types.is_numeric_dtype(frame[name])]
    if not texts:
        return frame
    frame = frame.copy()
    for name in texts:
        frame[name] = _column_numbers(frame[name], decimal)
    return frame


def _as_text(X: Any) -> pd.DataFrame:
    """Categories as plain strings, NaN for missing.

    Numbers become "3" rather than "3.0" so a category typed in a form or
    produced by an explainer matches what was seen in training.
    """
    frame = pd.DataFrame(X)
    result = {}
    for name in frame.columns:
        column = frame[name]
        present = column.notna().to_numpy()
        if pd.api.types.is_string_dtype(column) and column.dtype != object:
            # Fast path for pandas' string dtype: already text.
            result[name] = column.astype(object).where(present, np.nan).to_numpy()
            continue
        values = np.full(len(column), np.nan, dtype=object)
        values[present] = [value_text(value) for value in column.to_numpy()[present]]
        result[name] = values
    return pd.DataFrame(result, index=frame.index, columns=frame.columns)


def train_classifier(
    frame: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str],
    numeric: Sequence[str],
    categorical: Sequence[str],
    classifier: str,
    random_state: int = 0,
    test_size: float = 0.25,
    on_progress: ProgressCallback | None = None,
    params: Mapping[str, object] | None = None,
    task: str = CLASSIFICATION,
) -> TrainingResult:
    """Train ``classifier`` to predict ``target`` from ``features`` and measure it.

    Rows whose target is missing are left out of training and evaluation but
    still get a prediction. The data are split into training and held-out rows,
    stratified by class, with ``random_state``; the same inputs and seed give
    the same model and predictions. ``on_progress(done, total, stage)`` is
    called as the stages complete. ``params`` are the classifier's knobs
    (:func:`clean_params`). Raises :class:`TableError` for problems the user
    can fix (unknown classifier or setting, missing or unsuitable target, too
    few rows or columns, categories too many to encode in memory).

    ``task="regression"`` learns ``target`` as an amount (:mod:`.tasks`): the
    split is a plain seeded one, ``class_names`` is ``(target,)``, predictions
    and truths are amounts (NaN where missing) and the metrics are the amount's
    (:func:`limelight.amounts.amount_metrics`).
    """

    def report(done: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(done, _STAGES, stage)

    report(0, "Preparing data")
    settings = clean_params(classifier, params)
    if target not in frame.columns:
        raise TableError(f'The table has no column called "{target}".')
    features = list(features)
    if not features:
        raise TableError("Choose at least one column for the model to learn from.")
    if target in features:
        raise TableError(
            f'The column "{target}" is the one to predict, so it cannot also be used '
            "to predict it. Remove it from the columns to learn from."
        )
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise TableError(f'The table has no column called "{absent[0]}".')
    if set(features) != set(numeric) | set(categorical) or set(numeric) & set(categorical):
        # The caller's bookkeeping, not the user's: fail loudly.
        raise ValueError("features must be exactly numeric + categorical, without overlap")

    if task == REGRESSION:
        refused = wrong_task_message(classifier, task, REGRESSORS)
        if refused:
            raise TableError(refused)
        check_amount_target(frame, target)
        class_names: tuple[str, ...] = (target,)
        truths = amount_truths(frame[target])
    else:
        refused = wrong_task_message(classifier, task, CLASSIFIERS)
        if refused:
            raise TableError(refused)
        labelled = frame[target].notna().to_numpy()
        labels = frame[target][labelled]
        class_values = _sorted_classes(labels)
        class_names = tuple(value_text(value) for value in class_values)
        check_classes(labels, class_values, class_names, target)
        n_labelled = int(labelled.sum())
        if n_labelled < MIN_LABELLED_ROWS:
            raise TableError(
                f'Only {n_labelled} rows have a value in "{target}"; at least {MIN_LABELLED_ROWS} '
                "are needed to train and test a model."
            )
        truths = np.full(len(frame), -1, dtype=np.int64)
        truths[labelled] = _class_indices(labels, class_values)

    # Stratification needs at least one row of every class on each side.
    train_rows, test_rows = holdout_split(
        truths, test_size=test_size, random_state=random_state, too_few=_TOO_FEW, error=TableError, task=task
    )
    categorical_features = [name for name in features if name in set(categorical)]
    decimal = frame.attrs.get("decimal", ".")
    frame = _read_number_columns(frame, [name for name in features if name in set(numeric)])
    _check_one_hot_size(frame, categorical_features, n_numeric=len(features) - len(categorical_features))
    n_train = len(train_rows)
    if classifier == "knn" and settings["n_neighbors"] > n_train:
        raise TableError(
            f"Nearest neighbours is set to ask {settings['n_neighbors']} neighbours, but only "
            f"{n_train} rows are used for training. Choose at most {n_train} neighbours."
        )
    pipeline = build_pipeline(
        classifier,
        numeric=[name for name in features if name in set(numeric)],
        categorical=categorical_features,
        random_state=random_state,
        params=settings,
        decimal=decimal,
        task=task,
    )
    # Fitted in the split's own order, as tables always were: the same seed gives the same model.
    fitted = fit_and_measure(
        pipeline, frame[features], truths, class_names, train_rows, test_rows, nouns="rows",
        on_progress=on_progress, task=task, random_state=random_state,
    )  # fmt: skip
    return TrainingResult(
        pipeline=pipeline,
        class_names=class_names,
        numeric=tuple(name for name in features if name in set(numeric)),
        categorical=tuple(name for name in features if name in set(categorical)),
        metrics=fitted.metrics,
        predictions=fitted.predictions,
        truths=truths,
        train_frame=frame.iloc[fitted.train_rows][features].copy(),
        params=settings,
        confidence=fitted.confidence,
        in_training=fitted.in_training,
    )


def _check_one_hot_size(frame: pd.DataFrame, categorical: list[str], *, n_numeric: int) -> None:
    """Refuse, in words, a table whose encoded matrix would not fit in a worker's memory.

    Every categorical column becomes one column per value (at most
    ``_MAX_CATEGORIES``, plus one for missing) and the matrix is dense, for
    every row of the file when every row is predicted.
    """
    widths = {
        name: min(int(frame[name].nunique(dropna=True)), _MAX_CATEGORIES) + int(frame[name].isna().any())
        for name in categorical
    }
    cells = (n_numeric + sum(widths.values())) * len(frame)
    if cells <= MAX_ONE_HOT_CELLS:
        return
    worst = sorted(widths, key=lambda name: -widths[name])[:_WORST_COLUMNS]
    names = ", ".join(f'"{name}"' for name in worst)
    raise TableError(
        f"The category columns have too many different values to learn from {len(frame):,} rows "
        f"at once (the largest: {names}). If these are names, ids or free text, mark them as "
        "identifier or text; otherwise leave some of them out."
    )


def _sorted_classes(labels: pd.Series) -> list[Any]:
    # Numeric targets sort as numbers (2 before 10), text alphabetically.
    return sorted_classes(labels)


def _class_indices(labels: pd.Series, class_values: list[Any]) -> np.ndarray:
    position = {value: index for index, value in enumerate(class_values)}
    return np.array([position[value] for value in labels], dtype=np.int64)


def check_classes(labels: pd.Series, class_values: list[Any], class_names: tuple[str, ...], target: str) -> None:
    if len(class_values) == 0:
        raise TableError(f'The column "{target}" has no values to learn from.')
    if len(class_values) == 1:
        raise TableError(
            f'The column you chose to predict, "{target}", has only one value '
            f'("{class_names[0]}"). A model needs at least two classes to tell apart.'
        )
    if len(class_values) > _MAX_CLASSES:
        raise TableError(
            f'The column "{target}" has {len(class_values)} different values; Limelight '
            f"can predict at most {_MAX_CLASSES} classes. Choose a column with fewer "
            "values (a category rather than a measurement or a name)."
        )
    if len(set(class_names)) != len(class_names):
        # e.g. 1 and "1" in an object column: the page could not tell them apart.
        raise TableError(f'The column "{target}" mixes numbers and text that look the same.')
    counts = labels.value_counts()
    for value, name in zip(class_values, class_names, strict=True):
        if counts[value] < 2:
            raise TableError(
                f"The class '{name}' has only one row; each class needs at least two "
                "so some can be held out for testing."
            )
