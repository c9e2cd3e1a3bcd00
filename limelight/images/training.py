"""Train scikit-learn classifiers on images and measure them on held-out images.

The pipeline is ``ImageFeatures`` (resize + features) -> scaling -> estimator,
so the fitted model takes a batch of uint8 RGB images of any size and returns
class probabilities in :attr:`ImageTrainingResult.class_names` order.

Training computes each image's features once (:func:`image_feature_rows`, with
progress per image; a caller may keep them and pass them back next time), fits
scaling and estimator on those rows, then puts the feature step in front: it
learns nothing, so the assembled pipeline is the one that would have been
fitted on the images themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from limelight.errors import InputError
from limelight.tabular.training import CalibratedSVC

from ..catalogue import DEFAULT_IMAGE_FEATURES, IMAGE_CLASSIFIERS, IMAGE_FEATURES
from ..fitting import fit_and_measure, holdout_split
from .features import ImageFeatures

__all__ = [
    "IMAGE_CLASSIFIERS",
    "IMAGE_FEATURES",
    "ImageTrainingError",
    "FeatureCache",
    "ImageTrainingResult",
    "build_image_pipeline",
    "image_feature_rows",
    "train_image_classifier",
]

_NEEDS_SCALING = frozenset({"logistic_regression", "svm", "mlp"})
_STAGES = 4
# Images whose features are computed in one call: bounds the resized copies held at once,
# and how often the per-image progress moves.
_FEATURE_CHUNK = 16

ProgressCallback = Callable[[int, int, str], None]
# Given how to compute the images' feature rows, returns them (kept ones, or computed now).
FeatureCache = Callable[[Callable[[], np.ndarray]], np.ndarray]


class ImageTrainingError(InputError):
    """A problem the user can fix (too few images, unknown setting); ``str(e)`` is shown on the page."""


# eq=False: the fields hold arrays, which have no single truth value.
@dataclass(frozen=True, eq=False)
class ImageTrainingResult:
    """A fitted pipeline and what we measured about it.

    ``metrics`` has the tabular engine's shape (accuracy, balanced_accuracy,
    macro_f1, confusion_matrix, per_class, n_train, n_test). ``predictions``
    and ``truths`` are class indices for every input image, in input order;
    ``in_training`` marks the images the model was fitted on.
    """

    pipeline: Pipeline
    class_names: tuple[str, ...]
    metrics: dict[str, Any]
    predictions: np.ndarray
    truths: np.ndarray
    in_training: np.ndarray
    confidence: np.ndarray  # the predicted class's probability, per image


def build_image_pipeline(
    classifier: str = "logistic_regression",
    *,
    features: str = DEFAULT_IMAGE_FEATURES,
    image_size: int = 64,
    random_state: int = 0,
) -> Pipeline:
    """An unfitted pipeline from a batch of RGB images to ``classifier``'s probabilities."""
    if classifier not in IMAGE_CLASSIFIERS:
        raise ImageTrainingError(
            f'There is no image classifier called "{classifier}". Choose one of: {", ".join(IMAGE_CLASSIFIERS)}.'
        )
    if features not in IMAGE_FEATURES:
        raise ImageTrainingError(
            f'There are no image features called "{features}". Choose one of: {", ".join(IMAGE_FEATURES)}.'
        )
    if not 8 <= image_size <= 512:
        raise ImageTrainingError("The image size must be between 8 and 512 pixels.")
    steps: list[tuple[str, Any]] = [("features", ImageFeatures(features=features, image_size=image_size))]
    if classifier in _NEEDS_SCALING:
        steps.append(("scale", StandardScaler()))
    steps.append(("model", _estimator(classifier, random_state)))
    return Pipeline(steps)


def _estimator(classifier: str, random_state: int) -> BaseEstimator:
    match classifier:
        case "logistic_regression":
            # Thousands of pixel features and few images: a stronger penalty than C=1 generalises better.
            return LogisticRegression(C=0.1, max_iter=2000, random_state=random_state)
        case "svm":
            return CalibratedSVC(C=1.0, gamma="scale")
        case "random_forest":
            return RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=random_state)
        case "mlp":
            return MLPClassifier(
                hidden_layer_sizes=(64,), alpha=1e-3, max_iter=300, tol=1e-3, random_state=random_state
            )
    raise AssertionError(classifier)


def train_image_classifier(
    images: Sequence[np.ndarray],
    labels: Sequence[str],
    *,
    classifier: str = "logistic_regression",
    features: str = DEFAULT_IMAGE_FEATURES,
    image_size: int = 64,
    random_state: int = 0,
    test_size: float = 0.25,
    feature_cache: FeatureCache | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImageTrainingResult:
    """Train ``classifier`` on ``features`` of the images and measure it on a stratified hold-out.

    ``labels`` are class names, one per image; classes are sorted by name.
    ``images`` may be any sequence (indexed one image at a time, so it can
    load lazily). ``feature_cache(compute)`` returns the images' feature rows:
    kept ones if it has them, else ``compute()``'s (then the images are read,
    with progress per image, and it may keep them for the next model).
    The same inputs and seed give the same model. Raises
    :class:`ImageTrainingError` for an unknown setting, fewer than two
    classes, a class with fewer than two images, or too few images to hold
    some out of every class.
    """

    def report(done: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(done, _STAGES, stage)

    report(0, "Preparing images")
    pipeline = build_image_pipeline(classifier, features=features, image_size=image_size, random_state=random_state)
    labels = [str(label) for label in labels]
    if len(images) != len(labels):
        raise ValueError("images and labels must have the same length")
    class_names = tuple(sorted(set(labels)))
    if len(class_names) < 2:
        raise ImageTrainingError("A model needs images of at least two classes to tell apart.")
    position = {name: i for i, name in enumerate(class_names)}
    truths = np.array([position[label] for label in labels], dtype=np.int64)
    counts = np.bincount(truths, minlength=len(class_names))
    for name, count in zip(class_names, counts, strict=True):
        if count < 2:
            raise ImageTrainingError(
                f'The class "{name}" has only {count} image; each class needs at least two '
                "so some can be held out for testing."
            )
    train_idx, test_idx = holdout_split(
        truths,
        test_size=test_size,
        random_state=random_state,
        too_few="There are too few images to train and test a model that tells {n_classes} classes apart.",
        error=ImageTrainingError,
    )
    featurizer = pipeline.steps[0][1].fit(None)
    looked = 0  # images looked at now (none when the rows were kept): the progress bar counts them too

    def compute() -> np.ndarray:
        nonlocal looked
        looked = len(labels)
        each = None if on_progress is None else lambda done, total, what: on_progress(done, total + _STAGES, what)
        return image_feature_rows(images, featurizer, on_progress=each)

    feature_rows = feature_cache(compute) if feature_cache is not None else compute()
    if feature_rows.shape[0] != len(labels):
        raise ValueError("the feature rows must be one per image")
    head = Pipeline(pipeline.steps[1:])
    after = None if on_progress is None else lambda done, total, what: on_progress(looked + done, looked + total, what)
    # Images are fitted in file order, as they always were: the same seed gives the same model.
    # One BLAS thread (DESIGN.md): on thousands of pixel columns and few rows,
    # threads fighting over cores made logistic regression 20x slower (20 s vs 1 s).
    fitted = fit_and_measure(
        head,
        feature_rows,
        truths,
        class_names,
        np.sort(train_idx),
        np.sort(test_idx),
        nouns="images",
        fit_context=lambda: threadpool_limits(limits=1),
        on_progress=after,
    )
    return ImageTrainingResult(
        pipeline=Pipeline([("features", featurizer), *head.steps]),
        class_names=class_names,
        metrics=fitted.metrics,
        predictions=fitted.predictions,
        truths=truths,
        in_training=fitted.in_training,
        confidence=fitted.confidence,
    )


def image_feature_rows(
    images: Sequence[np.ndarray] | np.ndarray,
    featurizer: ImageFeatures,
    *,
    on_progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Every image's features, float32 ``(n, n_features)``, a few images at a time (only those
    few images and the rows are held, so memory grows with the rows, not with the pictures).

    ``on_progress(done, n, message)`` after each few images: with the
    pretrained network this is the slow part of training (tens of ms per image).
    """
    count = len(images)
    if count == 0:
        raise ImageTrainingError("There are no images to train on.")
    rows: np.ndarray | None = None  # filled in place: joining pieces at the end would hold the rows twice
    for start in range(0, count, _FEATURE_CHUNK):
        stop = min(start + _FEATURE_CHUNK, count)
        chunk = images[start:stop] if isinstance(images, np.ndarray) else [images[i] for i in range(start, stop)]
        part = np.asarray(featurizer.transform(chunk), dtype=np.float32)
        if rows is None:
            rows = np.empty((count, *part.shape[1:]), dtype=np.float32)
        rows[start:stop] = part
        del chunk, part
        if on_progress is not None:
            on_progress(stop, count, f"Looking at each image ({stop:,} of {count:,})")
    assert rows is not None  # count > 0
    return rows
