"""Training statistics of tabular LIME: how each column is binned, and the table the sampler draws from.

:func:`numeric_stats` bins a numeric column (quartiles, deciles, an entropy
tree's thresholds, or one bin for ``"none"``) and keeps each bin's
frequency, mean, standard deviation and range; a column with missing values
gets a "missing" bin. :func:`categorical_stats` keeps each category's
frequency, missing counting as a category. :class:`NumericTable` pads every
numeric column's bins into 2-D arrays so that :class:`~.lime_tabular.TabularLime`
draws the bins and the values inside them for all samples and features at
once. :func:`numeric_condition` and :func:`.values.value_text` write the
conditions people read ("age <= 35.00", "city = Lyon").

No Django. :class:`NumericStats` and :class:`CategoricalStats` are pickled
inside stored explainers; ``lime_tabular`` keeps their old names importable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from sklearn.tree import DecisionTreeClassifier

from limelight.values import is_missing, two_decimals

__all__ = [
    "CategoricalStats",
    "NumericStats",
    "NumericTable",
    "as_slice",
    "categorical_stats",
    "draw_index",
    "numeric_condition",
    "numeric_stats",
]

_PERCENTILES = {"quartile": [25, 50, 75], "decile": list(range(10, 100, 10))}
# lime's EntropyDiscretizer: a depth-3 tree gives at most 7 thresholds.
_ENTROPY_DEPTH = 3


@dataclass(frozen=True)
class NumericStats:
    """Quartile bins of one numeric column (plus a missing bin if needed).

    Bin ``k < len(edges) + 1`` is ``np.searchsorted(edges, x, side='left') == k``;
    if ``has_missing`` the last bin (index ``len(edges) + 1``) is "missing".
    Per-bin arrays have one entry per bin; empty bins have NaN statistics and
    frequency 0, so they are never drawn.
    """

    edges: np.ndarray
    has_missing: bool
    freqs: np.ndarray
    means: np.ndarray
    stds: np.ndarray
    mins: np.ndarray
    maxs: np.ndarray

    @property
    def n_bins(self) -> int:
        return len(self.freqs)

    @property
    def missing_bin(self) -> int:
        return len(self.edges) + 1 if self.has_missing else -1

    def bin_of(self, value: float) -> int:
        if math.isnan(value):
            # A missing value in a column that had none in training: no
            # training bin matches, so the feature is "on" only for the
            # instance itself (a bin index nothing is ever drawn into).
            return self.missing_bin if self.has_missing else self.n_bins
        return int(np.searchsorted(self.edges, value, side="left"))


@dataclass(frozen=True)
class CategoricalStats:
    values: tuple  # observed values; missing is represented by None
    freqs: np.ndarray

    def index_of(self, value: object) -> int:
        key = None if is_missing(value) else value
        for i, v in enumerate(self.values):
            if v == key and (v is None) == (key is None):
                return i
        return len(self.values)  # unseen value: never drawn


def bin_edges(present: np.ndarray, discretizer: str, labels: np.ndarray | None) -> np.ndarray:
    """Sorted unique bin edges of one feature's present values."""
    if not len(present) or discretizer == "none":
        # "none": a single bin holds every present value, so its mean and std
        # are the feature's, which is what the normal sampling needs.
        return np.empty(0)
    if discretizer == "entropy":
        assert labels is not None
        tree = DecisionTreeClassifier(criterion="entropy", max_depth=_ENTROPY_DEPTH, random_state=0)
        tree.fit(present.reshape(-1, 1), labels)
        thresholds = tree.tree_.threshold[tree.tree_.children_left > -1]
        # A feature the labels do not depend on gives no split; lime then
        # falls back to the median.
        return np.unique(thresholds) if len(thresholds) else np.unique(np.median(present))
    return np.unique(np.percentile(present, _PERCENTILES[discretizer]))


def numeric_stats(column: pd.Series, discretizer: str = "quartile", labels: np.ndarray | None = None) -> NumericStats:
    x = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    n = len(x)
    present_mask = ~np.isnan(x)
    present = x[present_mask]
    has_missing = len(present) < n
    edges = bin_edges(present, discretizer, None if labels is None else labels[present_mask])
    n_value_bins = len(edges) + 1
    bins = np.searchsorted(edges, present, side="left")
    size = n_value_bins + int(has_missing)
    freqs = np.zeros(size)
    means = np.full(size, np.nan)
    stds = np.full(size, np.nan)
    mins = np.full(size, np.nan)
    maxs = np.full(size, np.nan)
    for k in range(n_value_bins):
        sel = present[bins == k]
        if len(sel):
            freqs[k] = len(sel) / n
            means[k] = sel.mean()
            stds[k] = sel.std()
            mins[k] = sel.min()
            maxs[k] = sel.max()
    if has_missing:
        freqs[-1] = (n - len(present)) / n
    return NumericStats(edges, has_missing, freqs, means, stds, mins, maxs)


def categorical_stats(column: pd.Series) -> CategoricalStats:
    counts = column.value_counts(dropna=False, sort=False)
    items = [(None if is_missing(v) else v, int(c)) for v, c in counts.items()]
    # Deterministic order: by value text, missing last.
    items.sort(key=lambda vc: (vc[0] is None, "" if vc[0] is None else str(vc[0])))
    values = tuple(v for v, _ in items)
    freqs = np.array([c for _, c in items], dtype=np.float64)
    return CategoricalStats(values, freqs / freqs.sum())


def draw_index(freqs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn with probabilities ``freqs`` from uniforms ``u``."""
    cum = np.cumsum(freqs)
    cum /= cum[-1]
    idx = np.searchsorted(cum, u, side="right")
    return np.minimum(idx, len(freqs) - 1)


@dataclass(frozen=True)
class NumericTable:
    """Per-bin statistics of all numeric features padded into 2-D arrays.

    Row ``j`` is feature ``columns[j]``; column ``k`` its bin ``k``. ``cum`` is
    the cumulative bin frequency (padding is +inf, never reached). ``fa`` and
    ``fb`` are the standard normal CDF at the bin's standardised [min, max],
    so sampling inside a bin needs a single ``ndtri`` per value.
    """

    columns: list[str]
    cum: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    fa: np.ndarray
    fb: np.ndarray
    span: np.ndarray  # fb - fa

    @classmethod
    def build(cls, columns: list[str], stats: list[NumericStats]) -> NumericTable:
        width = max((s.n_bins for s in stats), default=1)
        shape = (len(stats), width)
        cum = np.full(shape, np.inf)
        mean, lo, hi = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        std = np.zeros(shape)
        fa, fb = np.full(shape, 0.5), np.full(shape, 0.5)
        for j, st in enumerate(stats):
            k = st.n_bins
            c = np.cumsum(st.freqs)
            cum[j, :k] = c / c[-1]
            cum[j, k - 1] = np.inf  # the last bin takes everything left
            mean[j, :k], lo[j, :k], hi[j, :k] = st.means, st.mins, st.maxs
            spread = st.stds > 0  # NaN (empty or missing bin) compares False
            std[j, :k] = np.where(spread, st.stds, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                fa[j, :k] = np.where(spread, ndtr((st.mins - st.means) / st.stds), 0.5)
                fb[j, :k] = np.where(spread, ndtr((st.maxs - st.means) / st.stds), 0.5)
        return cls(columns, cum, mean, std, lo, hi, fa, fb, fb - fa)

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Bin index per (sample, feature): how many cumulative edges ``u`` passed."""
        # A few whole-matrix comparisons (one per bin) beat a reduction over a
        # tiny trailing axis.
        bins = np.zeros(u.shape, dtype=np.intp)
        passed = np.empty(u.shape, dtype=bool)
        for k in range(self.cum.shape[1] - 1):
            bins += np.greater_equal(u, self.cum[:, k], out=passed)
        return bins

    def normal(self, bins: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Values from each feature's untruncated normal(mean, std); NaN in the missing bin.

        Only for statistics without edges, where bin 0 holds every present
        value (so its mean and std are the feature's) and bin 1 is "missing".
        """
        flat = bins + np.arange(len(self.columns)) * self.cum.shape[1]
        return self.mean.ravel()[flat] + self.std.ravel()[flat] * ndtri(u)

    def standardise(self, values: np.ndarray) -> np.ndarray:
        """``(x - mean) / std`` per feature, from bin 0's statistics; missing counts as the mean.

        A feature without spread is divided by 1, as scikit-learn's
        StandardScaler (which lime uses) does.
        """
        mean, std = self.mean[:, 0], self.std[:, 0]
        scaled = (values - mean) / np.where(std > 0, std, 1.0)
        return np.where(np.isnan(scaled), 0.0, scaled)

    def undiscretize(
        self, bins: np.ndarray, u: np.ndarray, *, out: np.ndarray | None = None, overwrite_bins: bool = False
    ) -> np.ndarray:
        """Values from each bin's normal(mean, std) truncated to [min, max].

        Inverse-CDF sampling for all cells at once:
        ``x = mean + std * ndtri(Fa + u (Fb - Fa))``. A bin with std 0 gives
        ``Fa = Fb = 0.5`` and so exactly its mean; the missing bin gives NaN.

        Computed in ``out`` (if given) with one scratch array: a fresh
        5000 x d temporary costs more in page faults than its arithmetic.
        ``overwrite_bins`` lets it reuse ``bins`` for the flat indices.
        """
        flat = np.add(bins, np.arange(len(self.columns)) * self.cum.shape[1], out=bins if overwrite_bins else None)
        x = np.empty(bins.shape) if out is None else out
        scratch = np.empty(bins.shape)

        def per_cell(table: np.ndarray, dest: np.ndarray) -> np.ndarray:
            return np.take(table.ravel(), flat, out=dest, mode="clip")  # indices are in range

        # Same operations, in the same order, as mean + std * ndtri(fa + u * (fb - fa)).
        np.multiply(u, per_cell(self.span, x), out=x)
        x += per_cell(self.fa, scratch)
        ndtri(x, out=x)
        x *= per_cell(self.std, scratch)
        x += per_cell(self.mean, scratch)
        # np.clip(x, lo, hi) is maximum, then minimum.
        np.maximum(x, per_cell(self.lo, scratch), out=x)
        np.minimum(x, per_cell(self.hi, scratch), out=x)
        return x


def as_slice(positions: list[int]) -> slice | list[int]:
    """``positions`` as a slice if they are consecutive (a view, not a copy, when indexing)."""
    if not positions:
        return slice(0, 0)
    if positions == list(range(positions[0], positions[0] + len(positions))):
        return slice(positions[0], positions[0] + len(positions))
    return positions


def numeric_condition(col: str, stats: NumericStats, b: int) -> str:
    if b == stats.missing_bin or b >= len(stats.edges) + 1:
        # The missing bin, or a missing instance value unseen in training.
        return f"{col} is missing"
    edges = stats.edges
    if len(edges) == 0:
        # Every training value was missing; nothing to compare with.
        return f"{col} is not missing"
    if b == 0:
        return f"{col} <= {two_decimals(edges[0])}"
    if b == len(edges):
        return f"{col} > {two_decimals(edges[-1])}"
    return f"{two_decimals(edges[b - 1])} < {col} <= {two_decimals(edges[b])}"
