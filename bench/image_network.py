"""A photo explained in seconds (issue 29): the network's variants, and one photo explained before and after.

* ``ms_per_image``: each variant of the network on 64 uint8 224x224 images
  (session calls only, no resizing), interleaved rounds, medians. "before" is
  the session as it was (float32, no memory arena, one thread, batches of 16).
* ``agreement``: cosine of each image's 1,280 features, INT8 against float32,
  on drawn shapes (not the calibration ones) and, when present, the photos.
* ``ants_bees``: balanced accuracy of the app's logistic regression on each
  network's features of ../shared/data/ants_bees.zip (60 photos, stratified
  5-fold cross-validation); skipped when the file is not there (a user's
  machine has none).
* ``explanation``: seconds for one photo explained at the form's default
  settings (1,000 samples, quickshift, grey), segmentation included; before
  (float32 as it was, every sample) and after (INT8, arena, every core, stopping
  when the top regions settle), interleaved; then, on a few photos, the
  top-5 regions of each against a 5,000-sample float32 reference with another
  seed, and the samples each used.
* ``peak_rss_mb``: a fresh process's peak resident memory after it loads the
  network, trains on the demo and explains one image: what one worker needs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from limelight.explainers.lime_image import explain_image, segment
from limelight.images.demos import demo_images
from limelight.images.network import INPUT_SIZE, Network, weights_path
from limelight.images.torch_weights import read_state_dict
from limelight.images.training import build_image_pipeline, train_image_classifier

from .timing import interleaved

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ants_bees.zip"
NUM_SAMPLES = 1000  # the form's default for images
REFERENCE_SAMPLES = 5000
TOP = 5
BATCHES = (1, 8, 16, 32)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def _networks() -> dict[str, Network]:
    state = read_state_dict(weights_path())
    cores = _cores()
    return {
        "float32, no arena, 1 thread (before)": Network(state, precision="float32", arena=False, threads=1),
        "float32, arena, 1 thread": Network(state, precision="float32", threads=1),
        "int8, arena, 1 thread": Network(state, precision="int8", threads=1),
        f"int8, arena, {cores} threads (after)": Network(state, precision="int8", threads=cores),
    }


def _photos() -> tuple[list[np.ndarray], list[str]]:
    """The ants/bees photos as the app stores them (longer side 512), or none."""
    if not PHOTOS.exists():
        return [], []
    from limelight.images.archive import read_image_archive

    archive = read_image_archive(PHOTOS)
    return [item.image for item in archive.items], [item.label for item in archive.items]


def _session_ms(network: Network, images: np.ndarray, batch: int) -> Callable[[], None]:
    def run() -> None:
        for start in range(0, len(images), batch):
            network.session.run(["features"], {"images": images[start : start + batch]})

    return run


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def _balanced_accuracy(features: np.ndarray, labels: list[str]) -> float:
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    head = build_image_pipeline("logistic_regression")[1:]  # the app's scaling and estimator
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(balanced_accuracy_score(labels, cross_val_predict(head, features, labels, cv=folds)))


def _predictor(
    network: Network, images: list[np.ndarray], labels: list[str], *, run_on: Network | None = None
) -> Callable[[Any], np.ndarray]:
    """The app's logistic regression trained on this network's features, as a predict_proba of images
    (run through ``run_on``, a faster session of the same graph, when given)."""
    head = build_image_pipeline("logistic_regression")[1:].fit(network.features(images), labels)
    return lambda batch: head.predict_proba((run_on or network).features(batch))


def _top(explanation) -> set[int]:
    return {segment for segment, _ in explanation.weights[:TOP]}


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Every figure of issue 29 in one run."""
    log("  the network's variants")
    networks = _networks()
    before_name, after_name = next(iter(networks)), list(networks)[-1]
    rounds = 1 if quick else min(repeats, 5)
    batch = np.random.default_rng(0).integers(0, 256, size=(64, INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    contenders = {name: _session_ms(net, batch, 16) for name, net in networks.items()}
    contenders |= {f"int8, arena, 1 thread, batches of {b}": _session_ms(networks["int8, arena, 1 thread"], batch, b)
                   for b in BATCHES if b != 16}  # fmt: skip
    for fn in contenders.values():
        fn()  # warm: the arena and the threads' first allocation
    ms = {name: 1000 * seconds / len(batch) for name, seconds in interleaved(contenders, rounds).items()}

    photos, labels = _photos()
    log(f"  feature agreement and accuracy ({len(photos)} photos)")
    drawn = np.stack(demo_images(seed=21, per_class=8, size=INPUT_SIZE).images)
    reference, fast = networks["float32, arena, 1 thread"], networks[after_name]
    agreement = {"drawn": _cosines(fast.features(drawn), reference.features(drawn))}
    accuracy: dict[str, float] = {}
    if photos:
        float_rows, int8_rows = reference.features(photos), fast.features(photos)
        agreement["photos"] = _cosines(int8_rows, float_rows)
        accuracy = {"float32": _balanced_accuracy(float_rows, labels), "int8": _balanced_accuracy(int8_rows, labels)}

    if photos:
        explained = [photos[i] for i in (0, len(photos) // 2, len(photos) - 1)][: 1 if quick else 3]
        train = photos, labels
    else:  # no photos here: a drawn picture at a photo's size, and the demo's shapes to train on
        explained = [demo_images(seed=1, per_class=1, size=384).images[1]]
        demo = demo_images(seed=0, per_class=10)
        train = list(demo.images), list(demo.labels)
    before_predict = _predictor(networks[before_name], *train)
    after_predict = _predictor(fast, *train)
    # The reference: the float32 model, its graph run with the arena (the same numbers, sooner).
    reference_predict = _predictor(networks[before_name], *train, run_on=reference)

    def before(image: np.ndarray, label: int, **extra: Any):
        return explain_image(image, before_predict, label=label, num_samples=NUM_SAMPLES, hide_color="grey", **extra)

    def after(image: np.ndarray, label: int, **extra: Any):
        return explain_image(
            image, after_predict, label=label, num_samples=NUM_SAMPLES, hide_color="grey", stop_when_stable=True,
            **extra,
        )  # fmt: skip

    log("  one photo explained at default settings, before and after")
    photo = explained[0]
    label = int(np.argmax(before_predict(photo[None])[0]))
    seconds = interleaved({"before": lambda: before(photo, label), "after": lambda: after(photo, label)}, rounds)

    log(f"  top-{TOP} regions against a {REFERENCE_SAMPLES:,}-sample reference ({len(explained)} photos)")
    overlaps = []
    for image in explained:
        segments = segment(image)
        label = int(np.argmax(before_predict(image[None])[0]))
        truth = _top(
            explain_image(image, reference_predict, label=label, segments=segments, num_samples=REFERENCE_SAMPLES,
                          hide_color="grey", random_state=12345)
        )  # fmt: skip
        old, new = before(image, label, segments=segments), after(image, label, segments=segments)
        overlaps.append(
            {
                "regions": int(segments.max()) + 1,
                "before": len(_top(old) & truth) / TOP,
                "after": len(_top(new) & truth) / TOP,
                "after_samples": new.num_samples,
            }
        )

    log("  one worker's peak memory")
    child = subprocess.run(
        [sys.executable, "-m", "bench.image_network", "--child"], capture_output=True, text=True, check=True
    )
    return {
        "load": os.getloadavg(),
        "cores": _cores(),
        "ms_per_image": ms,
        "before": before_name,
        "after": after_name,
        "agreement": {
            name: {"median": float(np.median(c)), "min": float(c.min()), "n": len(c)} for name, c in agreement.items()
        },  # fmt: skip
        "ants_bees": accuracy,
        "photos": len(photos),
        "explanation_s": seconds,
        "photo_size": list(photo.shape[:2]),
        "overlap": overlaps,
        "peak_rss_mb": float(child.stdout.strip().splitlines()[-1]),
    }


def summary(result: dict[str, Any]) -> str:
    load = ", ".join(f"{x:.1f}" for x in result["load"])
    ms = result["ms_per_image"]
    before = ms[result["before"]]
    lines = [f"a photo explained (issue 29; {result['cores']} cores, load average {load} at the end):"]
    height, width = result["photo_size"]
    s = result["explanation_s"]
    lines.append(
        f"  one {width}x{height} {'photo' if result['photos'] else 'drawn image'} at default settings "
        f"({NUM_SAMPLES:,} samples, quickshift, grey): before {s['before']:.1f} s, after {s['after']:.1f} s "
        f"({s['after'] / s['before']:.2f}x; goal <= 10 s)"
    )
    lines.append("  ms per 224x224 image (session only, 64 images, median of interleaved rounds):")
    for name, value in ms.items():
        lines.append(f"    {name:<44} {value:6.1f}  ({value / before:.2f}x before)")
    for name, a in result["agreement"].items():
        lines.append(
            f"  features, int8 vs float32, {a['n']} {name} images: cosine median {a['median']:.4f}, min {a['min']:.4f}"
        )
    if result["ants_bees"]:
        acc = result["ants_bees"]
        lines.append(
            f"  ants/bees balanced accuracy ({result['photos']} photos, 5-fold): float32 {acc['float32']:.2f}, "
            f"int8 {acc['int8']:.2f} (goal >= 0.85)"
        )
    else:
        lines.append(f"  ants/bees: skipped ({PHOTOS} is not here)")
    for row in result["overlap"]:
        lines.append(
            f"  top-{TOP} regions shared with a {REFERENCE_SAMPLES:,}-sample reference (k={row['regions']}): "
            f"before {row['before']:.1f}, after {row['after']:.1f} (stopped at {row['after_samples']:,} samples)"
        )
    lines.append(f"  one worker's peak RSS {result['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def _child() -> None:
    """Load, train on the demo, explain one image as the worker does; print the peak RSS in MB."""
    demo = demo_images(seed=0, per_class=10)
    model = train_image_classifier(list(demo.images), list(demo.labels), classifier="logistic_regression")
    image = demo_images(seed=1, per_class=1, size=INPUT_SIZE).images[1]
    label = int(np.argmax(model.pipeline.predict_proba(image[None])[0]))
    explain_image(image, model.pipeline.predict_proba, label=label, hide_color="grey", stop_when_stable=True)
    # VmHWM, not getrusage's ru_maxrss: that one survives exec, so a child started by a big bench
    # process reports the parent's size at fork (1,658 MB here, against 492 MB measured alone).
    peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))  # fmt: skip
    print(peak_kb / 1024)


if __name__ == "__main__":  # pragma: no cover - python -m bench.image_network
    if "--child" in sys.argv:
        _child()
    else:
        print(summary(run(quick="--quick" in sys.argv, repeats=3, log=lambda m: print(m, file=sys.stderr))))
