"""How the app handles images (the functions :mod:`classifiers.kinds.image` names): a ZIP of pictures
in one folder per class; one image is one case."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import pandas as pd

from jobs.services import JobError
from limelight.catalogue import DEFAULT_IMAGE_FEATURES, IMAGE_FEATURES

from ..artifacts import dataset_feature_rows
from ..selectors import image_gallery
from ..services import UploadError, dataset_image, read_images_into


def default_target(dataset) -> str:
    return "class"  # the folder each image is in


def train_fields(
    *, dataset, target: str, classifier: str, params, text_column: str = "", task: str = ""
) -> dict[str, Any]:
    """The image features and working size; the target is always the image's folder (its class)."""
    if task == "regression":
        raise UploadError("An image model predicts the folder an image is in, a category, not an amount.")
    params = dict(params or {})
    features = params.get("features") or DEFAULT_IMAGE_FEATURES
    if features not in IMAGE_FEATURES:
        raise UploadError(f"Unknown kind of image features “{features}”.")
    try:
        size = int(params.get("image_size") or 64)
    except (TypeError, ValueError):
        raise UploadError("The image size must be a whole number.") from None
    if not 16 <= size <= 128:
        raise UploadError("The image size must be between 16 and 128 pixels.")
    return {"target": "class", "params": {"features": features, "image_size": size}}


def train(model, on_progress) -> Any:
    """Each image's features once (the network's kept with the dataset for the next model), then the fit."""
    # The network (ONNX Runtime) and scikit-learn / scikit-image: loaded by workers only.
    from limelight.images.network import NAME as NETWORK_NAME
    from limelight.images.training import train_image_classifier

    dataset = model.dataset
    features = model.params["features"]
    return train_image_classifier(
        # Read one at a time as the features are computed, so a big upload is never all in memory.
        _StoredImages(dataset, dataset_image),
        [image["label"] for image in dataset.images],
        classifier=model.classifier,
        features=features,
        image_size=model.params["image_size"],
        random_state=model.random_state,
        # The network's features take tens of ms an image: kept, the next model on these images skips them.
        feature_cache=partial(dataset_feature_rows, dataset, NETWORK_NAME) if features == "network" else None,
        on_progress=on_progress,
    )


class _StoredImages(Sequence):
    """A dataset's stored images as a sequence, each read (at most 256 pixels a side) when asked for."""

    def __init__(self, dataset, read):
        self._dataset, self._read = dataset, read

    def __len__(self) -> int:
        return self._dataset.n_rows

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._read(self._dataset, index, max_side=256)


def instance(explanation) -> Any:

    dataset = explanation.model.dataset
    if explanation.row_index is None or explanation.row_index >= dataset.n_rows:
        raise JobError("This image is no longer in the data set.")
    return dataset_image(dataset, explanation.row_index)


def batch(case: Any) -> list[Any]:
    return [case]


def display(explanation, case) -> dict[str, str]:
    image = explanation.model.dataset.images[explanation.row_index]
    return {"image": image["name"], "class": image["label"]}


def document_instance(explanation) -> dict[str, Any]:
    return {"row": explanation.row_index, "path": explanation.model.dataset.images[explanation.row_index]["name"]}


def row_labels(model, shown_columns: int) -> tuple[Any, list[str]]:
    """The image's name plays the part of the row's values (and of the search text)."""
    return pd.DataFrame({"image": [image["name"] for image in model.dataset.images]}), ["image"]


def read_dataset(dataset, on_progress) -> None:
    """Check every member of the ZIP, re-encode the images and record their classes."""
    on_progress(1, 2, "Checking and storing each image")
    read_images_into(dataset)


def dataset_context(dataset) -> dict[str, Any]:

    return {"gallery": image_gallery(dataset)}


def find_leaks(model, result, on_progress) -> list[dict[str, Any]]:
    """Image regions (the border, a corner) whose colour alone gives the class away (limelight.leaks)."""
    from limelight.leaks import enough_held_out, image_leaks, image_region_colours, split_rows

    train_rows, test_rows = split_rows(result.truths, result.in_training)
    if not enough_held_out(result.truths, test_rows):
        return []  # too few held-out images to tell a leak from luck: not worth reading them again

    def each(done: int, total: int) -> None:  # reading every image again: the slow part
        on_progress(done, total, f"Looking for a mark that gives the class away ({done:,} of {total:,})")

    colours = image_region_colours(_StoredImages(model.dataset, dataset_image), on_progress=each)
    score = result.metrics.get("balanced_accuracy")
    found = image_leaks([], result.truths, train_rows, test_rows, colours=colours, model_score=score)
    return [leak.to_json() for leak in found]
