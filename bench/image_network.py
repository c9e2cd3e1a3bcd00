"""Image LIME over the pretrained network's features (issue 18): ms per image, ratio to the floor, memory.

* ``ms_per_image``: the network alone (``network().features``), on batches of
  64 uint8 224x224 images, one onnxruntime thread (as a worker runs it).
* ``ratio_vs_floor``: our image LIME at 1000 samples over a logistic
  regression on the network's features, divided by (segmentation + the floor);
  the floor is one ``predict_proba`` of the same pipeline on the 1000 perturbed
  images, built beforehand. Goal: <= 1.3.
* ``peak_rss_mb``: a fresh process's peak resident memory after it loads the
  network, trains on the demo and explains one image: what one worker needs
  (onnxruntime's memory is native, so tracemalloc would not see it).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from limelight.explainers.lime_image import explain_image, fill_image, perturb_batch, segment
from limelight.images.demos import demo_images
from limelight.images.network import network
from limelight.images.training import train_image_classifier

from .timing import interleaved

SIZE = 224
NUM_SAMPLES = 1000
METHOD = "quickshift"


def _setup() -> tuple[Any, np.ndarray, int]:
    demo = demo_images(seed=0, per_class=10)
    model = train_image_classifier(list(demo.images), list(demo.labels), classifier="logistic_regression")
    image = demo_images(seed=1, per_class=1, size=SIZE).images[1]
    label = int(np.argmax(model.pipeline.predict_proba(image[None])[0]))
    return model.pipeline, image, label


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The network's speed, LIME's ratio to its floor and one worker's peak memory."""
    log("  the pretrained network")
    batch = np.random.default_rng(0).integers(0, 256, size=(64, SIZE, SIZE, 3), dtype=np.uint8)
    network().features(batch[:2])  # built once per process, as in a worker
    per_batch = interleaved({"network": lambda: network().features(batch)}, 1 if quick else repeats)["network"]
    pipeline, image, label = _setup()
    segments = segment(image, method=METHOD)
    masks = np.random.default_rng(0).integers(0, 2, size=(NUM_SAMPLES, int(segments.max()) + 1), dtype=np.uint8)
    perturbed = perturb_batch(image, fill_image(image, segments, "grey"), segments, masks)
    log("  image LIME over it (about a minute a run)")
    times = interleaved(
        {
            "segmentation": lambda: segment(image, method=METHOD),
            "floor": lambda batch=perturbed: pipeline.predict_proba(batch),
            "ours": lambda: explain_image(
                image, pipeline.predict_proba, label=label, method=METHOD, num_samples=NUM_SAMPLES, hide_color="grey"
            ),
        },
        1,  # each run takes most of a minute on one core
    )
    del perturbed
    log("  one worker's peak memory")
    child = subprocess.run(
        [sys.executable, "-m", "bench.image_network", "--child"], capture_output=True, text=True, check=True
    )
    return {
        "ms_per_image": 1000 * per_batch / len(batch),
        "segments": int(segments.max()) + 1,
        "segmentation_s": times["segmentation"],
        "floor_s": times["floor"],
        "ours_s": times["ours"],
        "ratio_vs_floor": times["ours"] / (times["segmentation"] + times["floor"]),
        "peak_rss_mb": float(child.stdout.strip().splitlines()[-1]),
        "num_samples": NUM_SAMPLES,
    }


def summary(result: dict[str, Any]) -> str:
    return (
        "image network (EfficientNet-Lite0, onnxruntime, 1 thread): "
        f"{result['ms_per_image']:.1f} ms per 224x224 image\n"
        f"  image LIME over its features ({result['num_samples']} samples, {METHOD}, k={result['segments']}): "
        f"seg {result['segmentation_s']:.2f} s  floor {result['floor_s']:.1f} s  ours {result['ours_s']:.1f} s  "
        f"ratio {result['ratio_vs_floor']:.2f} (goal <= 1.3)  one worker's peak RSS {result['peak_rss_mb']:.0f} MB"
    )


def _child() -> None:
    """Load, train on the demo, explain one image; print the peak RSS in MB."""
    pipeline, image, label = _setup()
    explain_image(image, pipeline.predict_proba, label=label, method=METHOD, num_samples=NUM_SAMPLES, hide_color="grey")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":  # pragma: no cover - python -m bench.image_network
    if "--child" in sys.argv:
        _child()
    else:
        print(summary(run(quick="--quick" in sys.argv, repeats=3, log=lambda m: print(m, file=sys.stderr))))
