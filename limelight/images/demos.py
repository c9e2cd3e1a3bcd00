"""A deterministic, offline demo image set where a shape decides the class.

Each 96x96 image has a noisy background and one filled shape (circle,
square or triangle) near the centre (jittered), of random size and colour. Only the shape's
outline tells the classes apart, and its ground-truth mask is known, so an
explanation can be scored by how much its top superpixels overlap the shape.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np
from skimage.draw import disk, polygon

from .archive import save_normalised

__all__ = ["DEMO_CLASSES", "DemoImages", "demo_archive_bytes", "demo_images"]

DEMO_CLASSES: tuple[str, ...] = ("circles", "squares", "triangles")
DEMO_SIZE = 96
DEMO_PER_CLASS = 40


@dataclass(frozen=True, eq=False)
class DemoImages:
    """Images (uint8, n x 96 x 96 x 3), their class names and their shape masks (bool, n x 96 x 96)."""

    images: np.ndarray
    labels: tuple[str, ...]
    masks: np.ndarray

    def member(self, index: int) -> str:
        """The image's name inside the demo ZIP."""
        return f"{self.labels[index]}/{self.labels[index][:-1]}_{index:03d}.png"


def demo_images(seed: int = 0, *, per_class: int = DEMO_PER_CLASS, size: int = DEMO_SIZE) -> DemoImages:
    """Generate the demo images; the same seed gives the same pixels."""
    rng = np.random.default_rng(seed)
    n = per_class * len(DEMO_CLASSES)
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    masks = np.zeros((n, size, size), dtype=bool)
    labels: list[str] = []
    for index in range(n):
        label = DEMO_CLASSES[index % len(DEMO_CLASSES)]
        labels.append(label)
        # A muted background with pixel noise, so superpixels have texture to cut.
        base = rng.integers(60, 180, size=3)
        background = base + rng.normal(0, 4, size=(size, size, 3))
        mask = _shape_mask(label, rng, size)
        colour = _shape_colour(rng, base)
        image = np.where(mask[:, :, None], colour + rng.normal(0, 2, size=(size, size, 3)), background)
        images[index] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        masks[index] = mask
    return DemoImages(images=images, labels=tuple(labels), masks=masks)


def _shape_mask(label: str, rng: np.random.Generator, size: int) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    # A known place: near the centre, jittered a little, so a model can learn
    # where to look and an explanation can be checked against the mask.
    extent = int(rng.integers(size * 3 // 10, size * 9 // 20))  # 28..42 px on 96
    centre = size / 2 + rng.integers(-size // 12, size // 12 + 1, size=2)  # +-8 px on 96
    top, left = (int(round(c - extent / 2)) for c in centre)
    if label == "circles":
        rr, cc = disk((top + extent / 2, left + extent / 2), extent / 2, shape=mask.shape)
    elif label == "squares":
        rr, cc = np.mgrid[top : top + extent, left : left + extent]
    else:
        rr, cc = polygon([top + extent, top + extent, top], [left, left + extent, left + extent / 2], shape=mask.shape)
    mask[rr, cc] = True
    return mask


def _shape_colour(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """A saturated colour far from the background, so the shape stands out."""
    while True:
        colour = rng.integers(0, 256, size=3)
        if np.abs(colour - base).sum() > 200:
            return colour.astype(np.float64)


def demo_archive_bytes(seed: int = 0, *, per_class: int = DEMO_PER_CLASS) -> bytes:
    """The demo as a ZIP with one folder per class of 96x96 PNGs (what a user would upload)."""
    demo = demo_images(seed, per_class=per_class)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, image in enumerate(demo.images):
            png = io.BytesIO()
            save_normalised(image, png)
            info = zipfile.ZipInfo(demo.member(index), date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, png.getvalue())
    return buffer.getvalue()
