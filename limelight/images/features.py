"""Turn a batch of RGB images of any size into a fixed-length feature matrix.

:class:`ImageFeatures` is a scikit-learn transformer, so it sits inside the
trained pipeline: the fitted model takes raw uint8 images (a list, or an
``(n, H, W, 3)`` array) and returns class probabilities. That is what image
LIME needs: it hands the model perturbed copies of the original image.

The default, ``network``, is a pretrained ImageNet network's penultimate layer
(see ``network.py``); it always looks at a 224 x 224 copy, whatever
``image_size`` says. The others are cheap, hand-made features.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from skimage.feature import hog
from sklearn.base import BaseEstimator, TransformerMixin

from ..catalogue import IMAGE_FEATURES
from .network import network
from .pixels import as_image_batch, resize_batch

__all__ = ["IMAGE_FEATURES", "ImageFeatures", "as_image_batch", "resize_batch"]

_HISTOGRAM_BINS = 16
_HOG_CELL = 8


class ImageFeatures(TransformerMixin, BaseEstimator):
    """Resize to ``image_size`` square, then compute ``features`` (see :data:`IMAGE_FEATURES`)."""

    def __init__(self, features: str = "network", image_size: int = 64):
        self.features = features
        self.image_size = image_size

    def fit(self, X: Any, y: Any = None) -> ImageFeatures:
        """Nothing to learn; checks the settings."""
        if self.features not in IMAGE_FEATURES:
            raise ValueError(f"unknown image features {self.features!r}; choose one of {list(IMAGE_FEATURES)}")
        if not 8 <= int(self.image_size) <= 512:
            raise ValueError("image_size must be between 8 and 512")
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Feature matrix (n_images, n_features), float32."""
        if self.features == "network":
            return network().features(X if isinstance(X, np.ndarray) else list(X))
        small = resize_batch(X, int(self.image_size))
        if self.features == "raw":
            return small.reshape(len(small), -1).astype(np.float32) / 255.0
        if self.features == "hog":
            return _hog(small)
        return _colour_histogram(small)

    def __sklearn_is_fitted__(self) -> bool:
        return True


def _hog(small: np.ndarray) -> np.ndarray:
    grey = small.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    cell = max(4, min(_HOG_CELL, small.shape[1] // 4))
    rows = [
        hog(
            image,
            orientations=9,
            pixels_per_cell=(cell, cell),
            cells_per_block=(2, 2),
            block_norm="L2-Hys",
            feature_vector=True,
        )
        for image in grey
    ]
    return np.asarray(rows, dtype=np.float32).reshape(len(small), -1)


def _colour_histogram(small: np.ndarray) -> np.ndarray:
    """Per-channel histograms (16 bins each), as shares of the image's pixels; one bincount for the batch."""
    n = len(small)
    bins = (small.reshape(n, -1, 3).astype(np.int64) * _HISTOGRAM_BINS) // 256  # (n, pixels, 3)
    offsets = (np.arange(n)[:, None, None] * 3 + np.arange(3)[None, None, :]) * _HISTOGRAM_BINS
    counts = np.bincount((bins + offsets).ravel(), minlength=n * 3 * _HISTOGRAM_BINS)
    pixels = small.shape[1] * small.shape[2]
    return (counts.reshape(n, 3 * _HISTOGRAM_BINS) / pixels).astype(np.float32)
