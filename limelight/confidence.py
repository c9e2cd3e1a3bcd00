"""Confidence bounds for a share (how often a rule holds), shared by both Anchors searches.

* KL-Bernoulli bounds, vectorised (as anchor-exp's ``dup_bernoulli`` /
  ``dlow_bernoulli``): the searches rank and certify candidates with them,
  bisecting every arm at once instead of calling a scalar routine per arm.
* The Wilson 95% interval: what a result reports for the precision measured
  after the search, and what decides whether a rule meets the threshold.
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The Wilson score 95% interval for ``successes`` out of ``n`` (``(0, 1)`` when ``n == 0``)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # The interval always holds p itself (rounding would put 1.0 just outside it).
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


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
