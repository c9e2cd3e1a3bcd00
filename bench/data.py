"""Deterministic benchmark datasets: breast cancer and a synthetic mixed table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

MIXED_ROWS = 30_000
TARGET = "target"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A frame with a target column and the feature roles the engine needs."""

    name: str
    frame: pd.DataFrame
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    target: str = TARGET

    @property
    def features(self) -> list[str]:
        """Feature columns in frame order."""
        return [c for c in self.frame.columns if c != self.target]

    def csv_bytes(self) -> bytes:
        """The frame as a CSV upload (what a user would send)."""
        return self.frame.to_csv(index=False).encode()


@lru_cache(maxsize=1)
def breast_cancer() -> Dataset:
    """scikit-learn's breast cancer table (569 rows, 30 numeric features)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    numeric = tuple(c for c in frame.columns if c != TARGET)
    return Dataset("breast_cancer", frame, numeric, ())


@lru_cache(maxsize=2)
def mixed(rows: int = MIXED_ROWS, seed: int = 0) -> Dataset:
    """A synthetic 15-feature table: 10 numbers, 5 categories, ~5% missing cells.

    The binary target depends on a few numbers and categories plus noise, so
    the models have something to find and explanations have a signal.
    """
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    numbers = rng.normal(size=(rows, 10))
    numbers[:, 1] = np.exp(numbers[:, 1])  # skewed
    numbers[:, 2] = np.round(numbers[:, 2] * 10 + 40)  # integer-like (age)
    for j in range(10):
        data[f"num_{j}"] = numbers[:, j]
    levels = {
        "color": ["red", "green", "blue"],
        "city": [f"city_{k}" for k in range(12)],
        "plan": ["basic", "plus", "pro", "team"],
        "channel": ["web", "store", "phone"],
        "flag": ["yes", "no"],
    }
    codes = {name: rng.integers(0, len(v), rows) for name, v in levels.items()}
    for name, values in levels.items():
        data[name] = np.asarray(values, dtype=object)[codes[name]]
    score = (
        numbers[:, 0]
        - 0.8 * np.log(numbers[:, 1])
        + 0.05 * (numbers[:, 2] - 40)
        + 1.2 * (codes["plan"] >= 2)
        - 0.9 * (codes["color"] == 0)
        + rng.normal(scale=1.0, size=rows)
    )
    frame = pd.DataFrame(data)
    for col in ["num_3", "num_5", "city", "channel"]:
        frame.loc[rng.random(rows) < 0.05, col] = np.nan
    frame[TARGET] = np.where(score > 0, "yes", "no")
    return Dataset("mixed_30k", frame, tuple(f"num_{j}" for j in range(10)), tuple(levels))
