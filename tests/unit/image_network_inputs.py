"""The images the image network is checked on against a reference implementation.

Shared by tests/unit/test_image_network.py and scripts/image_network_reference.py (which
computes the reference scores with PyTorch), so both see exactly the same pixels: every image
is 224 x 224 (the network's input size, so no resizing can differ) and made with NumPy alone,
from photos that scikit-image ships (a cat, a cup of coffee, an astronaut, a rocket) and from
formulas.
"""

from __future__ import annotations

import numpy as np

SIZE = 224


def _centre(image: np.ndarray, step: int) -> np.ndarray:
    """Every ``step``-th pixel, then the central 224 x 224 square."""
    small = image[::step, ::step]
    top, left = (small.shape[0] - SIZE) // 2, (small.shape[1] - SIZE) // 2
    return np.ascontiguousarray(small[top : top + SIZE, left : left + SIZE, :3])


def _pattern(kind: str) -> np.ndarray:
    y, x = np.mgrid[:SIZE, :SIZE].astype(np.float64)
    if kind == "stripes":
        on = (0.6 * x + 0.8 * y) % 14 < 7
        return np.where(on[:, :, None], [30, 90, 200], [240, 220, 40]).astype(np.uint8)
    # a smooth colour ramp
    return np.stack([x * 255 / (SIZE - 1), y * 255 / (SIZE - 1), np.full_like(x, 128)], axis=2).round().astype(np.uint8)


def reference_images() -> dict[str, np.ndarray]:
    """Name -> uint8 (224, 224, 3) image, in a fixed order."""
    from skimage import data

    return {
        "chelsea": _centre(data.chelsea(), 1),  # 300 x 451: a tabby cat's face
        "coffee": _centre(data.coffee(), 1),  # 400 x 600: a cup of coffee
        "astronaut": _centre(data.astronaut(), 2),
        "rocket": _centre(data.rocket(), 1),
        "stripes": _pattern("stripes"),
        "ramp": _pattern("ramp"),
    }
