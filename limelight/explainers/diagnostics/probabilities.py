"""Asking the model once: p(label) for every row of a frame, with the shape checked. No Django."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["TableProba", "label_probabilities"]

TableProba = Callable[[pd.DataFrame], np.ndarray]


def label_probabilities(predict_proba: TableProba, frame: pd.DataFrame, label: int) -> np.ndarray:
    """``predict_proba(frame)[:, label]`` as float64, after checking the answer has one row per row of ``frame``."""
    proba = np.asarray(predict_proba(frame), dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != len(frame):
        raise ValueError(f"predict_proba returned shape {proba.shape}, expected ({len(frame)}, n_classes)")
    if not 0 <= label < proba.shape[1]:
        raise ValueError(f"label {label} out of range for {proba.shape[1]} classes")
    return proba[:, label]
