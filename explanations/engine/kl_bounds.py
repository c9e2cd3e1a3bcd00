"""KL-Bernoulli confidence bounds, vectorised (as anchor-exp's ``dup_bernoulli`` / ``dlow_bernoulli``).

Shared by the Anchors searches for tables and for text: each bisects every arm at once
instead of calling a scalar routine per arm.
"""

from __future__ import annotations

import numpy as np


def kl_bernoulli(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL divergence between Bernoulli(p) and Bernoulli(q), elementwise."""
    p = np.clip(p, 1e-7, 1 - 1e-16)
    q = np.clip(q, 1e-7, 1 - 1e-16)
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def kl_upper(p: np.ndarray, level: np.ndarray, steps: int = 17) -> np.ndarray:
    """Largest q >= p with KL(p, q) <= level, by `steps` bisection steps."""
    p, level = np.broadcast_arrays(np.asarray(p, dtype=np.float64), np.asarray(level, dtype=np.float64))
    lo = p.copy()
    hi = np.minimum(1.0, p + np.sqrt(level / 2.0))
    for _ in range(steps):
        mid = (lo + hi) / 2.0
        above = kl_bernoulli(p, mid) > level
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return hi


def kl_lower(p: np.ndarray, level: np.ndarray, steps: int = 17) -> np.ndarray:
    """Smallest q <= p with KL(p, q) <= level, by `steps` bisection steps."""
    p, level = np.broadcast_arrays(np.asarray(p, dtype=np.float64), np.asarray(level, dtype=np.float64))
    hi = p.copy()
    lo = np.maximum(0.0, p - np.sqrt(level / 2.0))
    for _ in range(steps):
        mid = (lo + hi) / 2.0
        above = kl_bernoulli(p, mid) > level
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return lo
