"""Plain-Python image engine: read an untrusted ZIP of images, compute features, train a classifier.

Imports no Django, so the worker, the CLI, the benchmarks and the unit tests
can all use it as is.
"""

from .archive import ArchiveError, ImageArchive, ImageItem, load_image, read_image_archive, save_normalised
from .demos import DEMO_CLASSES, DemoImages, demo_archive_bytes, demo_images
from .features import IMAGE_FEATURES, ImageFeatures, resize_batch
from .training import (
    IMAGE_CLASSIFIERS,
    ImageTrainingError,
    ImageTrainingResult,
    build_image_pipeline,
    train_image_classifier,
)

__all__ = [
    "DEMO_CLASSES",
    "IMAGE_CLASSIFIERS",
    "IMAGE_FEATURES",
    "ArchiveError",
    "DemoImages",
    "ImageArchive",
    "ImageFeatures",
    "ImageItem",
    "ImageTrainingError",
    "ImageTrainingResult",
    "build_image_pipeline",
    "demo_archive_bytes",
    "demo_images",
    "load_image",
    "read_image_archive",
    "resize_batch",
    "save_normalised",
    "train_image_classifier",
]
