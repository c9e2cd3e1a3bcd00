"""Peak memory of storing an image ZIP: a 150 MB archive of 600 photos vs. a 1 MB one (issue 24).

Each archive is generated at run time in a temporary folder: noisy 1024x768
JPEGs of about 250 kB (a dozen different photos, repeated under new names;
every member is read and decoded on its own all the same). Each ingest runs in a
fresh Python process doing what an upload does (``read_images_into`` without
the database): open the ZIP by its path, check, decode and shrink every member
to 512 px, write it as a PNG. The figure is that process's resident-set
high-water mark (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), so it counts
Pillow's and numpy's buffers as well as Python's. Goal: the 150 MB archive
within 100 MB of the 1 MB one.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1024, 768
DISTINCT = 12
GOAL_MB = 100

# The child: a fresh interpreter, so its high-water mark is this ingest's alone.
_CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
from limelight.images.archive import save_normalised, stream_image_archive
folder = Path(tempfile.mkdtemp(prefix="bench-archive-"))
written = 0
def store(item):
    global written
    save_normalised(item.image, folder / f"{written}.png")
    written += 1
started = time.perf_counter()
summary = stream_image_archive(sys.argv[1], store, max_members=5000, max_total_bytes=500_000_000)
seconds = time.perf_counter() - started
print(json.dumps({"images": written, "classes": len(summary.classes), "seconds": seconds,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _photo(rng: np.random.Generator) -> bytes:
    """A 1024x768 JPEG of about 250 kB: smooth colour fields under pixel noise, like a photo's grain."""
    small = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(small).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR), dtype=np.float32)
    noisy = np.clip(base + rng.normal(0, 10, size=base.shape).astype(np.float32), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def make_archive(path: Path, photos: int, seed: int = 0) -> int:
    """``photos`` JPEGs in two class folders, stored as they are (JPEGs do not deflate); returns its size."""
    rng = np.random.default_rng(seed)
    distinct = [_photo(rng) for _ in range(min(DISTINCT, photos))]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for index in range(photos):
            archive.writestr(f"{('cats', 'dogs')[index % 2]}/{index:04d}.jpg", distinct[index % len(distinct)])
    return path.stat().st_size


def measure(path: Path) -> dict[str, Any]:
    """Ingest ``path`` in a fresh process; its images, seconds and peak resident memory (MB)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def run(quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Both archives, generated and ingested; the difference of their peaks against the goal.

    ``quick``: 150 photos (37 MB) instead of 600, enough to see whether memory grows with the archive.
    """
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as folder:
        for photos in (4, 150 if quick else 600):
            path = Path(folder) / f"photos-{photos}.zip"
            size = make_archive(path, photos)
            log(f"  {photos} photos, {size / 1e6:.1f} MB archive: ingesting in a fresh process")
            rows.append({"photos": photos, "archive_mb": size / 1e6, **measure(path)})
            path.unlink()
    small, big = rows
    extra = big["maxrss_mb"] - small["maxrss_mb"]
    return {"rows": rows, "extra_mb": extra, "goal_mb": GOAL_MB, "meets_goal": extra <= GOAL_MB}


def summary(result: dict[str, Any]) -> str:
    """Both peaks and their difference."""
    lines = [
        "image archive ingest (fresh process each; peak RSS = ru_maxrss; check, decode, shrink to 512 px, "
        f"write PNG; goal: a 150 MB archive within {result['goal_mb']} MB of the 1 MB one)"
    ]
    for row in result["rows"]:
        lines.append(
            f"  {row['photos']:>4} photos {row['archive_mb']:6.1f} MB archive: peak RSS {row['maxrss_mb']:6.1f} MB, "
            f"{row['images']} images in {row['seconds']:.1f} s"
        )
    verdict = "meets" if result["meets_goal"] else "misses"
    lines.append(f"  difference {result['extra_mb']:.1f} MB ({verdict} the goal)")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - python -m bench.archive_memory
    print(summary(run(False, lambda message: print(message, file=sys.stderr))))
