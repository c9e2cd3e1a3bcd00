"""The snow lesson: wolves and huskies told apart by the snow behind them.

Each 48x48 picture has one animal-like shape in the middle: a *wolf* (a head
with tall pointed ears and a long muzzle) or a *husky* (a round head with
small round ears), in a random grey or brown. Behind it is either snow (near
white) or ground (green, brown or slate, never white). In the training
pictures the background follows the class: most wolves stand on snow and most
huskies on ground, so a model can score well by looking at the snow alone.
In the clean set the background is drawn independently of the class, as it
would be in the world.

Every picture comes with its masks (the animal, the background), the known
answer an explanation is checked against.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np
from skimage.draw import disk, ellipse, polygon

from limelight.images.archive import save_normalised

__all__ = ["SNOW_CLASSES", "SnowPictures", "snow_archive_bytes", "snow_cases", "snow_pictures"]

SNOW_CLASSES: tuple[str, ...] = ("husky", "wolf")
SIZE = 48
SNOW = np.array([236.0, 240.0, 246.0])
GROUNDS = (np.array([70.0, 120.0, 60.0]), np.array([120.0, 90.0, 60.0]), np.array([80.0, 95.0, 120.0]))
FURS = (np.array([110.0, 110.0, 115.0]), np.array([140.0, 110.0, 80.0]), np.array([90.0, 80.0, 75.0]))


@dataclass(frozen=True, eq=False)
class SnowPictures:
    """Pictures (uint8, n x 48 x 48 x 3), their classes, whether each stands on snow, and the animals' masks."""

    images: np.ndarray
    labels: tuple[str, ...]
    on_snow: np.ndarray
    animals: np.ndarray

    @property
    def backgrounds(self) -> np.ndarray:
        """Where each picture shows its background (snow or ground): everything but the animal."""
        return ~self.animals

    def member(self, index: int) -> str:
        return f"{self.labels[index]}/{self.labels[index]}_{index:03d}.png"


def snow_pictures(seed: int, *, per_class: int, snow_given_wolf: float, snow_given_husky: float) -> SnowPictures:
    """Draw ``per_class`` pictures of each class; a wolf stands on snow with probability
    ``snow_given_wolf``, a husky with ``snow_given_husky``. The same seed gives the same pixels."""
    rng = np.random.default_rng(seed)
    cases = []
    for index in range(per_class * len(SNOW_CLASSES)):
        label = SNOW_CLASSES[index % 2]
        cases.append((label, bool(rng.random() < (snow_given_wolf if label == "wolf" else snow_given_husky))))
    return snow_cases(rng, cases)


def snow_cases(rng: np.random.Generator, cases: list[tuple[str, bool]]) -> SnowPictures:
    """One picture for each (class, on snow) asked for, in that order."""
    n = len(cases)
    images = np.empty((n, SIZE, SIZE, 3), dtype=np.uint8)
    animals = np.zeros((n, SIZE, SIZE), dtype=bool)
    for index, (label, snowy) in enumerate(cases):
        ground = SNOW if snowy else GROUNDS[int(rng.integers(len(GROUNDS)))]
        picture = ground + rng.normal(0, 6, size=(SIZE, SIZE, 3))
        mask = _animal(label, rng)
        fur = FURS[int(rng.integers(len(FURS)))] + rng.normal(0, 12, size=3)
        picture = np.where(mask[:, :, None], fur + rng.normal(0, 5, size=(SIZE, SIZE, 3)), picture)
        images[index] = np.clip(np.rint(picture), 0, 255).astype(np.uint8)
        animals[index] = mask
    return SnowPictures(
        images=images,
        labels=tuple(label for label, _ in cases),
        on_snow=np.array([snowy for _, snowy in cases], dtype=bool),
        animals=animals,
    )


def _animal(label: str, rng: np.random.Generator) -> np.ndarray:
    """The animal's mask: a head, two ears and a muzzle, jittered a little around the middle."""
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    row, col = SIZE * 0.56 + rng.integers(-3, 4), SIZE * 0.5 + rng.integers(-3, 4)
    scale = rng.uniform(0.9, 1.1)
    head = 9 * scale
    rr, cc = ellipse(row, col, head, head * (0.85 if label == "wolf" else 1.05), shape=mask.shape)
    mask[rr, cc] = True
    for side in (-1, 1):
        if label == "wolf":  # tall pointed ears
            base = col + side * head * 0.55
            rr, cc = polygon(
                [row - head * 0.5, row - head * 0.5, row - head * 2.0],
                [base - 4 * scale, base + 4 * scale, base + side * 2 * scale],
                shape=mask.shape,
            )
        else:  # small round ears
            rr, cc = disk((row - head * 0.85, col + side * head * 0.75), 3.5 * scale, shape=mask.shape)
        mask[rr, cc] = True
    if label == "wolf":  # a long muzzle below the head
        rr, cc = polygon(
            [row + head * 0.5, row + head * 0.5, row + head * 1.6],
            [col - 4 * scale, col + 4 * scale, col],
            shape=mask.shape,
        )
        mask[rr, cc] = True
    return mask


def snow_archive_bytes(members: dict[str, np.ndarray]) -> bytes:
    """Pictures by member name ("wolf/wolf_001.png") as a ZIP of PNGs (what a user would upload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, image in members.items():
            png = io.BytesIO()
            save_normalised(image, png)
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, png.getvalue())
    return buffer.getvalue()
