"""Build and train scikit-learn pipelines over a table's original columns.

All preprocessing lives inside the pipeline, so the fitted model is a black
box that takes a DataFrame with the user's own column names and returns class
probabilities. That is exactly what a perturbation explainer needs: LIME and
Anchors can vary "age" or "workclass" directly without knowing about scaling
or one-hot encoding.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted

from .profiling import format_value
from .reading import TableError

__all__ = [
    "CLASSIFIERS",
    "CalibratedSVC",
    "TrainingResult",
    "build_pipeline",
    "train_classifier",
]

CLASSIFIERS: dict[str, str] = {
    "logistic_regression": "Logistic regression",
    "random_forest": "Random forest",
    "gradient_boosting": "Gradient boosting",
    "svm": "Support vector machine",
    "knn": "Nearest neighbours",
    "naive_bayes": "Naive Bayes",
    "decision_tree": "Decision tree",
    "mlp": "Neural network (MLP)",
}

# Distance- and gradient-based estimators are sensitive to feature scale.
_NEEDS_SCALING = frozenset({"logistic_regression", "svm", "knn", "mlp"})
MISSING_CATEGORY = "(missing)"
# One-hot columns beyond this per feature are pooled into one "infrequent"
# column: it keeps the dense matrix (needed by naive Bayes and gradient
# boosting) bounded when a category column has thousands of values.
_MAX_CATEGORIES = 100
_MAX_CLASSES = 50
_MIN_ROWS = 10
_STAGES = 4

ProgressCallback = Callable[[int, int, str], None]


# eq=False: the fields hold arrays and frames, which have no single truth value.
@dataclass(frozen=True, eq=False)
class TrainingResult:
    """A fitted pipeline and what we measured about it.

    ``predict_proba`` columns of :attr:`pipeline` follow :attr:`class_names`.
    ``metrics`` holds ``accuracy`` and ``balanced_accuracy`` on the held-out
    rows, and ``n_train`` / ``n_test`` (ints). ``predictions`` and ``truths``
    are class indices for every row of the input frame, in frame order;
    ``truths`` is -1 where the target is missing. ``train_frame`` is the
    training split's feature columns, for the explainer's statistics.
    """

    pipeline: Pipeline
    class_names: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    metrics: dict[str, float]
    predictions: np.ndarray
    truths: np.ndarray
    train_frame: pd.DataFrame


class CalibratedSVC(ClassifierMixin, BaseEstimator):
    """An RBF support vector machine with probabilities from calibration.

    ``SVC(probability=True)`` is deprecated in scikit-learn 1.9. Calibrating
    with cross-validation needs as many rows per class as folds, which small
    uploads do not always have, so the number of folds follows the data (and
    with a single-row class the fitted SVC is calibrated on its own training
    rows rather than failing).
    """

    def __init__(self, C: float = 1.0, gamma: str | float = "scale", max_folds: int = 3):
        self.C = C
        self.gamma = gamma
        self.max_folds = max_folds

    def fit(self, X: Any, y: Any) -> CalibratedSVC:
        """Fit the SVC and its sigmoid calibration."""
        svc = SVC(C=self.C, gamma=self.gamma, kernel="rbf")
        _, counts = np.unique(y, return_counts=True)
        folds = min(self.max_folds, int(counts.min()))
        if folds >= 2:
            # ensemble=False keeps one SVC for prediction: explanations query
            # the model thousands of times, so one SVC is k times cheaper.
            calibrated = CalibratedClassifierCV(
                svc, method="sigmoid", cv=StratifiedKFold(folds), ensemble=False
            )
        else:
            # One "split" that trains and calibrates on every row: optimistic
            # probabilities, but better than refusing a small upload.
            everything = np.arange(len(y))
            calibrated = CalibratedClassifierCV(svc, method="sigmoid", cv=[(everything, everything)])
        self.calibrated_ = calibrated.fit(X, y)
        self.classes_ = unique_labels(y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated class probabilities, columns in ``classes_`` order."""
        check_is_fitted(self)
        return self.calibrated_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def build_pipeline(
    classifier: str,
    *,
    numeric: list[str],
    categorical: list[str],
    random_state: int = 0,
) -> Pipeline:
    """An unfitted pipeline from the original columns to ``classifier``'s probabilities.

    Numeric columns are median-imputed (and standardised for estimators that
    need it); categorical columns get a "(missing)" category and are one-hot
    encoded, ignoring categories unseen in training. Raises :class:`TableError`
    for an unknown classifier name or when there are no columns at all.
    """
    if classifier not in CLASSIFIERS:
        known = ", ".join(CLASSIFIERS)
        raise TableError(f'There is no classifier called "{classifier}". Choose one of: {known}.')
    if not numeric and not categorical:
        raise TableError("Choose at least one column for the model to learn from.")

    numeric_steps: list[tuple[str, Any]] = [
        ("as_number", FunctionTransformer(_as_numbers, feature_names_out="one-to-one")),
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
    return Pipeline([("preprocess", preprocess), ("model", _estimator(classifier, random_state))])


def _estimator(classifier: str, random_state: int) -> BaseEstimator:
    match classifier:
        case "logistic_regression":
            return LogisticRegression(max_iter=2000, random_state=random_state)
        case "random_forest":
            # One thread: each Celery worker process is already one unit of
            # parallelism, and nested threads fight over cores.
            return RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=random_state)
        case "gradient_boosting":
            return HistGradientBoostingClassifier(random_state=random_state)
        case "svm":
            return CalibratedSVC()
        case "knn":
            return KNeighborsClassifier(n_neighbors=5)
        case "naive_bayes":
            return GaussianNB()
        case "decision_tree":
            return DecisionTreeClassifier(random_state=random_state)
        case "mlp":
            # A loose tolerance stops training once the loss has levelled off:
            # a tight one kept adult-sized tables training for minutes.
            return MLPClassifier(hidden_layer_sizes=(32,), max_iter=200, tol=1e-3, random_state=random_state)
    raise AssertionError(classifier)  # build_pipeline checked the name


def _as_numbers(X: Any) -> pd.DataFrame:
    """Coerce to float so explainers may pass numbers as any dtype (or None)."""
    frame = pd.DataFrame(X)
    return frame.apply(pd.to_numeric, errors="coerce").astype("float64")


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
        values[present] = [format_value(value) for value in column.to_numpy()[present]]
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
) -> TrainingResult:
    """Train ``classifier`` to predict ``target`` from ``features`` and measure it.

    Rows whose target is missing are left out of training and evaluation but
    still get a prediction. The data are split into training and held-out rows,
    stratified by class, with ``random_state``; the same inputs and seed give
    the same model and predictions. ``on_progress(done, total, stage)`` is
    called as the stages complete. Raises :class:`TableError` for problems the
    user can fix (unknown classifier, missing or unsuitable target, too few
    rows or columns).
    """

    def report(done: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(done, _STAGES, stage)

    report(0, "Preparing data")
    if classifier not in CLASSIFIERS:
        build_pipeline(classifier, numeric=list(numeric), categorical=list(categorical))
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

    labelled = frame[target].notna().to_numpy()
    labels = frame[target][labelled]
    class_values = _sorted_classes(labels)
    class_names = tuple(format_value(value) for value in class_values)
    _check_classes(labels, class_values, class_names, target)
    n_labelled = int(labelled.sum())
    if n_labelled < _MIN_ROWS:
        raise TableError(
            f'Only {n_labelled} rows have a value in "{target}"; at least {_MIN_ROWS} '
            "are needed to train and test a model."
        )
    truths = np.full(len(frame), -1, dtype=np.int64)
    truths[labelled] = _class_indices(labels, class_values)

    n_classes = len(class_values)
    # Stratification needs at least one row of every class on each side.
    n_test = max(math.ceil(test_size * n_labelled), n_classes)
    if n_labelled - n_test < n_classes:
        raise TableError(
            f"There are too few rows to train and test a model that tells {n_classes} "
            "classes apart. Add rows or choose a column with fewer classes."
        )
    X = frame.loc[labelled, features]
    y = truths[labelled]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=random_state
    )

    report(1, "Training the model")
    pipeline = build_pipeline(
        classifier,
        numeric=[name for name in features if name in set(numeric)],
        categorical=[name for name in features if name in set(categorical)],
        random_state=random_state,
    )
    with warnings.catch_warnings():
        # Small uploads rarely let iterative solvers converge fully; the model
        # is still usable and the hold-out accuracy tells the user how good.
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(X_train, y_train)

    report(2, "Measuring accuracy on held-out rows")
    test_predictions = _predict(pipeline, X_test)
    metrics: dict[str, float] = {
        "accuracy": float(accuracy_score(y_test, test_predictions)),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, test_predictions)),
        "n_train": len(y_train),
        "n_test": len(y_test),
    }

    report(3, "Predicting every row")
    predictions = _predict(pipeline, frame[features])

    report(4, "Done")
    return TrainingResult(
        pipeline=pipeline,
        class_names=class_names,
        numeric=tuple(name for name in features if name in set(numeric)),
        categorical=tuple(name for name in features if name in set(categorical)),
        metrics=metrics,
        predictions=predictions,
        truths=truths,
        train_frame=X_train.copy(),
    )


def _predict(pipeline: Pipeline, X: pd.DataFrame) -> np.ndarray:
    # argmax of the probabilities, so the predicted class is always the one
    # the page shows as most probable.
    return np.argmax(pipeline.predict_proba(X), axis=1).astype(np.int64)


def _sorted_classes(labels: pd.Series) -> list[Any]:
    values = list(pd.unique(labels))
    try:
        # Numeric targets sort as numbers (2 before 10), text alphabetically.
        return sorted(values)
    except TypeError:
        return sorted(values, key=format_value)


def _class_indices(labels: pd.Series, class_values: list[Any]) -> np.ndarray:
    position = {value: index for index, value in enumerate(class_values)}
    return np.array([position[value] for value in labels], dtype=np.int64)


def _check_classes(
    labels: pd.Series, class_values: list[Any], class_names: tuple[str, ...], target: str
) -> None:
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
