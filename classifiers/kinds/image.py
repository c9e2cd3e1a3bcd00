"""Images: a ZIP of pictures in one folder per class; one image is one case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..catalogue import IMAGE_CLASSIFIERS
from .base import DataKind, KindWords


def default_target(dataset) -> str:
    return "class"  # the folder each image is in


def train_fields(*, dataset, target: str, classifier: str, params, text_column: str = "") -> dict[str, Any]:
    """The image features and working size; the target is always the image's folder (its class)."""
    from ..catalogue import DEFAULT_IMAGE_FEATURES, IMAGE_FEATURES
    from ..services import UploadError

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
    from functools import partial

    from ..artifacts import dataset_feature_rows
    from ..images.network import NAME as NETWORK_NAME
    from ..images.training import train_image_classifier
    from ..services import dataset_image

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
    from jobs.services import JobError

    from ..services import dataset_image

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
    import pandas as pd

    return pd.DataFrame({"image": [image["name"] for image in model.dataset.images]}), ["image"]


def read_dataset(dataset, on_progress) -> None:
    """Check every member of the ZIP, re-encode the images and record their classes."""
    from ..services import read_images_into

    on_progress(1, 2, "Checking and storing each image")
    read_images_into(dataset)


def dataset_context(dataset) -> dict[str, Any]:
    from ..selectors import image_gallery

    return {"gallery": image_gallery(dataset)}


KIND = DataKind(
    name="image",
    label="Images",
    words=KindWords(case="image", cases="images", variations="versions of the image", parts="regions"),
    explainers={"lime": "explanations.runs.lime_image"},
    result_partials={"lime": "explanations/_lime_image.html"},
    classifiers=IMAGE_CLASSIFIERS,
    diagnostics="explanations.runs.diagnose_image",
    custom_values=False,
    what_if_curve=False,
    overview=False,
    pictures=True,
    rule_keeps_words=False,
    instance_shown_with=(),
    explain_fields=(
        "segmenter",
        "hide_color",
        "top_segments",
        "kernel_size",
        "max_dist",
        "n_segments",
        "compactness",
        "scale",
        "min_size",
    ),  # fmt: skip
    explain_initial={"num_samples": 1000},
    explain_labels={"num_features": "Regions in the table"},
    upload_signatures=(b"PK\x03\x04", b"PK\x05\x06"),
    upload_name="upload.zip",
    read_dataset=read_dataset,
    train_form="classifiers.forms.ImageTrainForm",
    dataset_template="classifiers/dataset_images.html",
    dataset_context=dataset_context,
    default_target=default_target,
    train_fields=train_fields,
    train=train,
    instance=instance,
    batch=batch,
    display=display,
    document_instance=document_instance,
    row_labels=row_labels,
)
