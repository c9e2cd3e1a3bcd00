"""Images: a ZIP of pictures in one folder per class; one image is one case.

What images offer; how each step is done is in :mod:`classifiers.handlers.image`."""

from __future__ import annotations

from limelight.catalogue import IMAGE_CLASSIFIERS

from .base import DataKind, KindWords, handlers_in

on = handlers_in("classifiers.handlers.image")

KIND = DataKind(
    name="image",
    label="Images",
    words=KindWords(case="image", cases="images", variations="versions of the image", parts="regions"),
    explainers={"lime": "explanations.runs.lime_image"},
    result_partials={"lime": "explanations/_lime_image.html"},
    classifiers=IMAGE_CLASSIFIERS,
    regressors={},  # an image predicts its folder: always a category
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
    read_dataset=on("read_dataset"),
    train_form="classifiers.forms.ImageTrainForm",
    dataset_template="classifiers/dataset_images.html",
    dataset_context=on("dataset_context"),
    default_target=on("default_target"),
    train_fields=on("train_fields"),
    train=on("train"),
    find_leaks=on("find_leaks"),
    instance=on("instance"),
    batch=on("batch"),
    display=on("display"),
    document_instance=on("document_instance"),
    row_labels=on("row_labels"),
)
