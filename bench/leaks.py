"""Leak checks (issue 28): what looking for a reason that is too good adds to training.

Each case times :mod:`limelight.leaks` on the model's own split beside the floor it follows, the
training itself (the same data through the one training path: a random forest for tables, logistic
regression for texts, HOG features + logistic regression for pictures), interleaved, medians.
Pictures are timed with their region colours read from memory: the worker also reads each
picture again from storage, which this does not count.

Data, generated offline: tables of 2,000 and 20,000 rows x 12 columns (8 numbers, 4 categories,
an honest signal) with a column copied from the target; 600 / 3,000 reviews (the demo's
generator); 120 / 600 shape pictures (the demo's generator, 96 px).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from limelight.fitting import holdout_split
from limelight.images.demos import demo_images
from limelight.images.training import train_image_classifier
from limelight.leaks import image_leaks, table_leaks, text_leaks
from limelight.tabular.training import train_classifier
from limelight.text.demos import text_demo_frame
from limelight.text.training import train_text_classifier

from .timing import interleaved


def _table(rows: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    rng = np.random.default_rng(0)
    numbers = {f"n{i}": rng.normal(0, 1, rows) for i in range(8)}
    categories = {f"c{i}": rng.choice(list("abcde"), rows) for i in range(4)}
    frame = pd.DataFrame({**numbers, **categories})
    frame["y"] = np.where(frame["n0"] + frame["n1"] + rng.normal(0, 1, rows) > 0, "yes", "no")
    frame["y_code"] = np.where(frame["y"] == "yes", "Y1", "N0")  # the leak
    return frame, list(numbers), [*categories, "y_code"]


def _case(name: str, leak: Callable[[], Any], train: Callable[[], Any], repeats: int) -> dict[str, Any]:
    medians = interleaved({"leaks": leak, "training": train}, repeats)
    found = [item.feature for item in leak()]
    return {
        "case": name,
        "leaks_s": medians["leaks"],
        "training_s": medians["training"],
        "leaks_over_training": medians["leaks"] / medians["training"],
        "found": found,
    }


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    cases = []
    for rows in (2_000,) if quick else (2_000, 20_000):
        frame, numeric, categorical = _table(rows)
        truths = (frame["y"] == "yes").to_numpy().astype(np.int64)
        train_rows, test_rows = holdout_split(truths, too_few="{n_classes}")
        features = [*numeric, *categorical]
        cases.append(
            _case(
                f"table/{rows}x{len(features)}",
                lambda f=frame, t=truths, a=train_rows, b=test_rows, fs=features, n=numeric: table_leaks(
                    f, fs, t, a, b, numeric=n
                ),
                lambda f=frame, fs=features, n=numeric, c=categorical: train_classifier(
                    f, target="y", features=fs, numeric=n, categorical=c, classifier="random_forest"
                ),
                repeats,
            )
        )
        log(f"  {cases[-1]['case']}: {cases[-1]['leaks_s']:.3f} s beside {cases[-1]['training_s']:.3f} s")
    for rows in (600,) if quick else (600, 3_000):
        reviews = text_demo_frame(0, rows=rows)
        texts, labels = reviews["review"].tolist(), reviews["sentiment"].tolist()
        truths = (reviews["sentiment"] == "positive").to_numpy().astype(np.int64)
        train_rows, test_rows = holdout_split(truths, too_few="{n_classes}")
        cases.append(
            _case(
                f"text/{rows} reviews",
                lambda x=texts, t=truths, a=train_rows, b=test_rows: text_leaks(x, t, a, b),
                lambda x=texts, y=labels: train_text_classifier(x, y, classifier="logistic_regression"),
                repeats,
            )
        )
        log(f"  {cases[-1]['case']}: {cases[-1]['leaks_s']:.3f} s beside {cases[-1]['training_s']:.3f} s")
    for per_class in (40,) if quick else (40, 200):
        demo = demo_images(0, per_class=per_class)
        truths = np.array([sorted(set(demo.labels)).index(label) for label in demo.labels])
        train_rows, test_rows = holdout_split(truths, too_few="{n_classes}")
        cases.append(
            _case(
                f"images/{len(truths)} shapes",
                lambda i=demo.images, t=truths, a=train_rows, b=test_rows: image_leaks(i, t, a, b),
                lambda i=demo.images, y=list(demo.labels): train_image_classifier(i, y, features="hog"),
                repeats,
            )
        )
        log(f"  {cases[-1]['case']}: {cases[-1]['leaks_s']:.3f} s beside {cases[-1]['training_s']:.3f} s")
    return {"cases": cases}


def summary(result: dict[str, Any]) -> str:
    lines = [
        "Leak checks: limelight.leaks on the model's own split beside the training it follows (medians)",
        f"{'case':24} {'leaks ms':>9} {'training ms':>12} {'leaks/training':>15}  found",
    ]
    for r in result["cases"]:
        lines.append(
            f"{r['case']:24} {r['leaks_s'] * 1e3:9.1f} {r['training_s'] * 1e3:12.1f} "
            f"{r['leaks_over_training']:15.2f}  {', '.join(r['found']) or '(none)'}"
        )
    return "\n".join(lines)
