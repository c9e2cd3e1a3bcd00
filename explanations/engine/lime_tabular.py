"""Vectorised tabular LIME (Ribeiro et al. 2016) over a pandas frame.

Follows the defaults of ``lime.lime_tabular.LimeTabularExplainer`` with
``discretize_continuous=True`` (quartile bins, sampling from the training
distribution, binary interpretable representation, exponential kernel of
width ``0.75 * sqrt(n_features)``, weighted ``Ridge(alpha=1)`` surrogate,
``'highest_weights'`` feature selection), with three differences:

* missing values are first-class: a numeric column with missing training
  values gets a "missing" bin, a categorical column treats missing as a value;
* sampling and the truncated-normal "undiscretisation" are vectorised over all
  samples and features at once (inverse-CDF with ``ndtr``/``ndtri``) instead of
  one ``scipy.stats.truncnorm`` call per feature;
* the black box is queried once on the whole sample frame, with the original
  columns, order and dtypes.

Numeric features are binned by quartiles by default; :data:`DISCRETIZERS`
lists the alternatives, as in lime: ``"decile"`` (percentiles 10..90),
``"entropy"`` (the thresholds of a depth-3 entropy decision tree of the
feature against the training labels) and ``"none"`` (no bins: lime's
``discretize_continuous=False, sample_around_instance=False``). With
``"none"`` numeric values are drawn from a normal with the training mean and
standard deviation, the interpretable value of a numeric feature is its
standardised value ``(x - mean) / std``, the kernel distance is measured on
those values together with the categorical 0/1 matches, and so a numeric
feature's weight means "change in probability per standard deviation"; its
condition reads ``age (63.00)``. A missing value counts as the mean there
(standardised value 0), much as the pipeline's imputer treats it.

The training statistics are computed once per model (:meth:`TabularLime.fit`)
and the object is picklable, so it can be stored next to the fitted model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from sklearn.tree import DecisionTreeClassifier

from .choices import DISCRETIZERS

__all__ = ["DISCRETIZERS", "FeatureWeight", "LimeExplanation", "TabularLime", "TabularSamples"]

_PERCENTILES = {"quartile": [25, 50, 75], "decile": list(range(10, 100, 10))}
# lime's EntropyDiscretizer: a depth-3 tree gives at most 7 thresholds.
_ENTROPY_DEPTH = 3
# Keeps ndtri away from +-inf when a uniform draw is exactly 0.
_TINY = 1e-12

ProgressCallback = Callable[[int, int], None]
PredictProba = Callable[[pd.DataFrame], np.ndarray]

# Alphas as in lime: a nearly unregularised ridge ranks the features, the
# reported surrogate is Ridge(alpha=1) on the selected ones.
_SELECTION_ALPHA = 0.01
_SURROGATE_ALPHA = 1.0
MIN_SAMPLES = 50


@dataclass(frozen=True)
class FeatureWeight:
    """One term of the local surrogate: ``condition`` holds for the instance."""

    feature: str
    condition: str
    weight: float


@dataclass(frozen=True)
class LimeExplanation:
    """Result of :meth:`TabularLime.explain`; ``weights`` largest |weight| first."""

    label: int
    weights: tuple[FeatureWeight, ...]
    intercept: float
    score: float
    local_prediction: float
    num_samples: int
    kernel_width: float

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (plain Python numbers and strings)."""
        return {
            "label": int(self.label),
            "weights": [
                {"feature": w.feature, "condition": w.condition, "weight": float(w.weight)} for w in self.weights
            ],
            "intercept": float(self.intercept),
            "score": float(self.score),
            "local_prediction": float(self.local_prediction),
            "num_samples": int(self.num_samples),
            "kernel_width": float(self.kernel_width),
        }


@dataclass(frozen=True, eq=False)
class TabularSamples:
    """Perturbation samples around one row (:meth:`TabularLime.sample`).

    ``z`` is the interpretable representation (row 0 is the instance),
    ``frame`` the same samples as model input, ``conditions`` each feature's
    condition text for the instance.
    """

    z: np.ndarray
    frame: pd.DataFrame
    conditions: dict[str, str]
    continuous: bool


@dataclass(frozen=True)
class _NumericStats:
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
class _CategoricalStats:
    values: tuple  # observed values; missing is represented by None
    freqs: np.ndarray

    def index_of(self, value: object) -> int:
        key = None if _is_missing(value) else value
        for i, v in enumerate(self.values):
            if v == key and (v is None) == (key is None):
                return i
        return len(self.values)  # unseen value: never drawn


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _edges(present: np.ndarray, discretizer: str, labels: np.ndarray | None) -> np.ndarray:
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


def _numeric_stats(column: pd.Series, discretizer: str = "quartile", labels: np.ndarray | None = None) -> _NumericStats:
    x = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    n = len(x)
    present_mask = ~np.isnan(x)
    present = x[present_mask]
    has_missing = len(present) < n
    edges = _edges(present, discretizer, None if labels is None else labels[present_mask])
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
    return _NumericStats(edges, has_missing, freqs, means, stds, mins, maxs)


def _categorical_stats(column: pd.Series) -> _CategoricalStats:
    counts = column.value_counts(dropna=False, sort=False)
    items = [(None if _is_missing(v) else v, int(c)) for v, c in counts.items()]
    # Deterministic order: by value text, missing last.
    items.sort(key=lambda vc: (vc[0] is None, "" if vc[0] is None else str(vc[0])))
    values = tuple(v for v, _ in items)
    freqs = np.array([c for _, c in items], dtype=np.float64)
    return _CategoricalStats(values, freqs / freqs.sum())


def _draw(freqs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn with probabilities ``freqs`` from uniforms ``u``."""
    cum = np.cumsum(freqs)
    cum /= cum[-1]
    idx = np.searchsorted(cum, u, side="right")
    return np.minimum(idx, len(freqs) - 1)


@dataclass(frozen=True, eq=False)
class _WeightedGram:
    """The normal equations of a weighted ridge with an intercept, built once.

    Reproduces ``sklearn.linear_model.Ridge(alpha, fit_intercept=True)``
    fitted with ``sample_weight`` (its dense Cholesky path): centre ``X`` and
    ``y`` on their weighted means, scale the rows by ``sqrt(w)``, and solve
    ``(Xc' W Xc + alpha I) coef = Xc' W yc``; ``intercept = y_mean - x_mean @ coef``.
    Fitting on a subset of the columns with the same weights only needs the
    matching sub-block, so both of LIME's ridges share one Gram matrix. This
    skips scikit-learn's per-fit input validation and copies, which cost more
    than the algebra at LIME's sizes.
    """

    gram: np.ndarray  # Xc' W Xc
    xy: np.ndarray  # Xc' W yc
    x_mean: np.ndarray
    y_mean: float

    @classmethod
    def build(cls, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> _WeightedGram:
        sw = np.asarray(sample_weight, dtype=np.float64)
        total = sw.sum()
        x_mean = (sw @ X) / total
        y_mean = float(np.average(y, weights=sw))  # as scikit-learn, so constant y centres to exact zeros
        root = np.sqrt(sw)
        xw = X - x_mean
        xw *= root[:, None]
        yw = (y - y_mean) * root
        return cls(xw.T @ xw, xw.T @ yw, x_mean, y_mean)

    def solve(self, alpha: float, columns: np.ndarray | None = None) -> np.ndarray:
        """Ridge coefficients on all columns, or on ``columns`` (in that order)."""
        if columns is None:
            a, b = self.gram.copy(), self.xy
        else:
            a, b = self.gram[np.ix_(columns, columns)], self.xy[columns]
        a.flat[:: len(a) + 1] += alpha
        return np.linalg.solve(a, b)

    def intercept(self, coef: np.ndarray, columns: np.ndarray | None = None) -> float:
        x_mean = self.x_mean if columns is None else self.x_mean[columns]
        return float(self.y_mean - x_mean @ coef)


def _weighted_ridge(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """``(coef, intercept)`` of ``Ridge(alpha, fit_intercept=True).fit(X, y, sample_weight)``."""
    gram = _WeightedGram.build(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64), sample_weight)
    coef = gram.solve(alpha)
    return coef, gram.intercept(coef)


def _weighted_r2(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray, y_mean: float | None = None) -> float:
    """scikit-learn's ``r2_score(y, predicted, sample_weight=...)`` (``force_finite=True``).

    ``y_mean`` is the weighted mean of ``y`` if already known.
    """
    if y_mean is None:
        y_mean = float(np.average(y, weights=sample_weight))
    numerator = float(sample_weight @ (y - predicted) ** 2)
    denominator = float(sample_weight @ (y - y_mean) ** 2)
    if numerator == 0.0:
        return 1.0  # perfect predictions, even for a constant y
    if denominator == 0.0:
        return 0.0  # a constant y predicted imperfectly: scikit-learn's convention
    return 1.0 - numerator / denominator


class TabularLime:
    """Training statistics for tabular LIME; build once per model with :meth:`fit`."""

    # A class attribute, so explainers pickled before discretizers existed
    # load as the quartile explainers they are.
    discretizer: str = "quartile"

    def __init__(
        self,
        columns: Sequence[str],
        dtypes: Mapping[str, object],
        numeric: Mapping[str, _NumericStats],
        categorical: Mapping[str, _CategoricalStats],
        discretizer: str = "quartile",
    ) -> None:
        if discretizer not in DISCRETIZERS:
            raise ValueError(f"discretizer must be one of {DISCRETIZERS}")
        self.columns = list(columns)
        self.dtypes = dict(dtypes)
        self.numeric = dict(numeric)
        self.categorical = dict(categorical)
        self.discretizer = discretizer

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        numeric: Sequence[str],
        categorical: Sequence[str],
        discretizer: str = "quartile",
        labels: np.ndarray | Sequence | None = None,
    ) -> TabularLime:
        """Compute per-feature bin / category statistics from the training frame.

        ``numeric + categorical`` must be exactly the frame's columns; the
        frame's column order is kept for the frames passed to ``predict_proba``.
        ``discretizer`` is one of :data:`DISCRETIZERS`; ``"entropy"`` needs
        ``labels``, one class per row of ``frame`` (e.g. the training truths).
        """
        if discretizer not in DISCRETIZERS:
            raise ValueError(f"discretizer must be one of {DISCRETIZERS}, not {discretizer!r}")
        if discretizer == "entropy":
            if labels is None:
                raise ValueError("the entropy discretizer needs labels, one per training row")
            labels = np.asarray(labels)
            if labels.shape != (len(frame),):
                raise ValueError("labels must have one entry per training row")
        else:
            labels = None  # only the entropy discretizer looks at them
        numeric, categorical = list(numeric), list(categorical)
        overlap = set(numeric) & set(categorical)
        if overlap:
            raise ValueError(f"columns listed as both numeric and categorical: {sorted(overlap)}")
        if len(set(numeric) | set(categorical)) != len(numeric) + len(categorical):
            raise ValueError("duplicate column names")
        if set(numeric) | set(categorical) != set(frame.columns) or frame.columns.has_duplicates:
            raise ValueError("numeric + categorical must list exactly the frame's columns")
        if len(frame) == 0:
            raise ValueError("the training frame is empty")
        return cls(
            columns=[str(c) for c in frame.columns],
            dtypes={c: frame[c].dtype for c in frame.columns},
            numeric={c: _numeric_stats(frame[c], discretizer, labels) for c in numeric},
            categorical={c: _categorical_stats(frame[c]) for c in categorical},
            discretizer=discretizer,
        )

    # -- explanation -------------------------------------------------------

    def explain(
        self,
        row: Mapping[str, object] | pd.Series,
        predict_proba: PredictProba,
        *,
        label: int,
        num_samples: int = 5000,
        num_features: int = 10,
        kernel_width: float | None = None,
        random_state: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> LimeExplanation:
        """Explain ``predict_proba(row)[label]`` with a local linear surrogate.

        ``predict_proba`` receives one frame with the training columns (same
        order and dtypes) and returns an ``(n, n_classes)`` array.
        """
        if int(num_samples) != num_samples or num_samples < MIN_SAMPLES:
            raise ValueError(f"num_samples must be an integer >= {MIN_SAMPLES}")
        if int(num_features) != num_features or num_features < 1:
            raise ValueError("num_features must be an integer >= 1")
        if int(label) != label or label < 0:
            raise ValueError("label must be a non-negative class index")
        num_samples, num_features, label = int(num_samples), int(num_features), int(label)
        kernel_width = self._check_kernel_width(kernel_width)
        samples = self.sample(row, num_samples=num_samples, random_state=random_state)
        n = num_samples
        if on_progress is not None:
            on_progress(0, n)
        proba = np.asarray(predict_proba(samples.frame), dtype=np.float64)
        if proba.ndim != 2 or proba.shape[0] != n:
            raise ValueError(f"predict_proba returned shape {proba.shape}, expected ({n}, n_classes)")
        if label >= proba.shape[1]:
            raise ValueError(f"label {label} out of range for {proba.shape[1]} classes")
        if on_progress is not None:
            on_progress(n, n)
        return self.fit_surrogate(
            samples, proba[:, label], label=label, num_features=num_features, kernel_width=kernel_width
        )

    @property
    def default_kernel_width(self) -> float:
        """lime's default kernel width, ``0.75 * sqrt(number of features)``."""
        return 0.75 * math.sqrt(len(self.columns))

    def _check_kernel_width(self, kernel_width: float | None) -> float:
        if kernel_width is None:
            return self.default_kernel_width
        kernel_width = float(kernel_width)
        if not kernel_width > 0 or not math.isfinite(kernel_width):
            raise ValueError("kernel_width must be a positive number")
        return kernel_width

    def sample(
        self, row: Mapping[str, object] | pd.Series, *, num_samples: int = 5000, random_state: int = 0
    ) -> TabularSamples:
        """Draw the perturbation samples of :meth:`explain` without querying the model.

        :meth:`explain` is ``sample`` + one ``predict_proba`` call on
        ``samples.frame`` + :meth:`fit_surrogate`; the split lets diagnostics
        query the model once for several seeds or kernel widths. The same
        ``random_state`` gives the same samples as :meth:`explain`.
        """
        if int(num_samples) != num_samples or num_samples < MIN_SAMPLES:
            raise ValueError(f"num_samples must be an integer >= {MIN_SAMPLES}")
        num_samples = int(num_samples)
        n_cols = len(self.columns)
        missing = [c for c in self.columns if c not in row]
        if missing:
            raise ValueError(f"the row lacks columns: {missing}")
        if isinstance(row, pd.Series) and row.index.is_unique:
            # One conversion instead of a Series lookup per column (and two per numeric one).
            row = row.to_dict()

        rng = np.random.default_rng(random_state)
        n = num_samples
        # One uniform per (sample, feature) picks the bin / category; a second
        # one per numeric cell places the value inside its bin.
        u_bins = rng.random((n - 1, n_cols))
        table = self._numeric_table
        u_vals = rng.random((n - 1, len(table.columns)))

        z = np.ones((n, n_cols))
        conditions: dict[str, str] = {}
        sampled: dict[str, np.ndarray] = {}

        # Numeric features, all at once. A run of adjacent columns (the usual
        # case) is a slice, so reading and writing them copies nothing.
        num_pos = _as_slice([self.columns.index(c) for c in table.columns])
        x0 = np.array(
            [np.nan if _is_missing(row[c]) else float(row[c]) for c in table.columns],
            dtype=np.float64,
        )
        b0 = np.array(
            [self.numeric[c].bin_of(v) for c, v in zip(table.columns, x0, strict=True)],
            dtype=np.intp,
        )
        continuous = self.discretizer == "none"
        drawn = table.draw(u_bins[:, num_pos])
        numeric_values = np.empty((n, len(table.columns)))
        numeric_values[0] = x0
        if continuous:
            # No bins: one draw chooses "present" or "missing" (the only two
            # bins), the other places the value on the feature's normal.
            numeric_values[1:] = table.normal(drawn, np.clip(u_vals, _TINY, 1.0 - _TINY))
            z[:, num_pos] = table.standardise(numeric_values)
            for c, v in zip(table.columns, x0, strict=True):
                conditions[c] = f"{c} is missing" if math.isnan(v) else f"{c} ({_fmt(v)})"
        else:
            for c, b in zip(table.columns, b0, strict=True):
                conditions[c] = _numeric_condition(c, self.numeric[c], int(b))
            if isinstance(num_pos, slice):
                np.equal(drawn, b0, out=z[1:, num_pos])
            else:
                z[1:, num_pos] = drawn == b0
            # Written in place (``drawn`` is spent): fewer fresh 5000 x d arrays.
            table.undiscretize(drawn, u_vals, out=numeric_values[1:], overwrite_bins=True)

        # Categorical features, one vectorised draw each (category counts vary).
        for j, col in enumerate(self.columns):
            if col not in self.categorical:
                continue
            value = row[col]
            stats = self.categorical[col]
            c0 = stats.index_of(value)
            picks = _draw(stats.freqs, u_bins[:, j])
            z[1:, j] = picks == c0
            lookup = np.array([np.nan if v is None else v for v in stats.values], dtype=object)
            values = np.empty(n, dtype=object)
            values[0] = np.nan if _is_missing(value) else value
            values[1:] = lookup[picks]
            sampled[col] = values
            conditions[col] = f"{col} is missing" if _is_missing(value) else f"{col} = {_category(value)}"

        frame = self._sample_frame(numeric_values, sampled)
        return TabularSamples(z=z, frame=frame, conditions=conditions, continuous=continuous)

    def fit_surrogate(
        self,
        samples: TabularSamples,
        y: np.ndarray,
        *,
        label: int,
        num_features: int = 10,
        kernel_width: float | None = None,
    ) -> LimeExplanation:
        """Fit the weighted local surrogate of :meth:`explain` to ``y`` = p(label) of each sample."""
        if int(num_features) != num_features or num_features < 1:
            raise ValueError("num_features must be an integer >= 1")
        num_features, label = int(num_features), int(label)
        kernel_width = self._check_kernel_width(kernel_width)
        y = np.asarray(y, dtype=np.float64)
        z, conditions, continuous = samples.z, samples.conditions, samples.continuous
        n, n_cols = z.shape
        if y.shape != (n,):
            raise ValueError(f"y must have one value per sample ({n}), not shape {y.shape}")
        # scikit-learn's Ridge, which this solver replaces, refused these too.
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity")
        if continuous and not np.isfinite(z).all():
            raise ValueError("the samples' interpretable values contain NaN or infinity")

        # Distance in the binary space: each feature that differs from the
        # instance counts 1. We deliberately do not divide the 0/1 difference
        # by the feature's raw training std: that would make a feature
        # measured in tiny units (say, rainfall in kilometres) dominate
        # the kernel because of its unit alone. (lime 0.2.0.1 resets its
        # scaler to 1 for discretised features, so this matches it there.)
        # Without bins, as lime: Euclidean distance to the instance over the
        # standardised numbers and the categorical matches (1 for the instance).
        distances = np.sqrt(((z - z[0]) ** 2).sum(axis=1)) if continuous else np.sqrt(n_cols - z.sum(axis=1))
        sample_weight = np.sqrt(np.exp(-(distances**2) / kernel_width**2))

        k = min(num_features, n_cols)
        # Both ridges (lime's: a nearly unregularised one ranks the features,
        # Ridge(alpha=1) on the selected ones is reported) share the weighted,
        # centred Gram matrix: the second is a sub-block of the first.
        gram = _WeightedGram.build(z, y, sample_weight)
        selection = gram.solve(_SELECTION_ALPHA)
        # Stable sort: ties keep column order, so results are deterministic.
        used = np.argsort(-np.abs(selection), kind="stable")[:k]

        coef = gram.solve(_SURROGATE_ALPHA, used)
        intercept = gram.intercept(coef, used)
        score = _weighted_r2(y, z[:, used] @ coef + intercept, sample_weight, gram.y_mean)
        # In the binary representation the instance is all ones.
        local_prediction = float(intercept + (coef @ z[0, used] if continuous else coef.sum()))

        order = np.argsort(-np.abs(coef), kind="stable")
        weights = tuple(
            FeatureWeight(
                feature=self.columns[used[i]],
                condition=conditions[self.columns[used[i]]],
                weight=float(coef[i]),
            )
            for i in order
        )
        return LimeExplanation(
            label=label,
            weights=weights,
            intercept=intercept,
            score=score,
            local_prediction=local_prediction,
            num_samples=n,
            kernel_width=kernel_width,
        )

    def _sample_frame(self, numeric_values: np.ndarray, categorical_values: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """Frame with the training columns, order and dtypes (numeric as floats)."""
        table = self._numeric_table
        # One 2-D block for the numeric columns is far cheaper than one Series
        # per column. Sampled numbers are real-valued, so integer columns
        # become float64 rather than truncating the samples.
        frame = pd.DataFrame(numeric_values, columns=table.columns, copy=False)
        for col in table.columns:
            dtype = self.dtypes[col]
            if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype != np.float64:
                frame[col] = frame[col].astype(dtype)
        for col, values in categorical_values.items():
            try:
                frame[col] = pd.Series(values, dtype=self.dtypes[col])
            except (TypeError, ValueError):
                frame[col] = pd.Series(values, dtype=object)
        if list(frame.columns) != self.columns:
            frame = frame[self.columns]
        return frame

    @property
    def _numeric_table(self) -> _NumericTable:
        # Derived from the per-feature statistics; built on first use so that
        # pickles stay small and older pickles keep working.
        table = self.__dict__.get("_table")
        if table is None:
            numeric_cols = [c for c in self.columns if c in self.numeric]
            table = _NumericTable.build(numeric_cols, [self.numeric[c] for c in numeric_cols])
            self._table = table
        return table

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_table", None)
        return state


@dataclass(frozen=True)
class _NumericTable:
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
    def build(cls, columns: list[str], stats: list[_NumericStats]) -> _NumericTable:
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


def _as_slice(positions: list[int]) -> slice | list[int]:
    """``positions`` as a slice if they are consecutive (a view, not a copy, when indexing)."""
    if not positions:
        return slice(0, 0)
    if positions == list(range(positions[0], positions[0] + len(positions))):
        return slice(positions[0], positions[0] + len(positions))
    return positions


def _category(value: object) -> str:
    """A category as the file writes it: a code stored as 1.0 reads "1"."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _numeric_condition(col: str, stats: _NumericStats, b: int) -> str:
    if b == stats.missing_bin or b >= len(stats.edges) + 1:
        # The missing bin, or a missing instance value unseen in training.
        return f"{col} is missing"
    edges = stats.edges
    if len(edges) == 0:
        # Every training value was missing; nothing to compare with.
        return f"{col} is not missing"
    if b == 0:
        return f"{col} <= {_fmt(edges[0])}"
    if b == len(edges):
        return f"{col} > {_fmt(edges[-1])}"
    return f"{_fmt(edges[b - 1])} < {col} <= {_fmt(edges[b])}"
