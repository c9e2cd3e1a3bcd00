"""Archives of large noisy photos for the streaming tests (unit and web layers)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image

PHOTOS = 50
SIDE = 820  # 820 x 820 x 3 bytes of noise: a PNG of about 2 MB


def noisy_png(seed: int) -> bytes:
    noise = np.random.default_rng(seed).integers(0, 256, size=(SIDE, SIDE, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def photo_archive(path, count: int = PHOTOS) -> int:
    """``count`` noisy PNGs in two class folders, stored (not deflated); returns one member's size."""
    photos = [noisy_png(seed) for seed in range(3)]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for index in range(count):
            archive.writestr(f"{('cats', 'dogs')[index % 2]}/{index:03d}.png", photos[index % 3])
    return max(len(photo) for photo in photos)
