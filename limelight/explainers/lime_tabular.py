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

from limelight.values import is_missing, two_decimals, value_text

from .choices import DISCRETIZERS
from .tabular_statistics import (
    CategoricalStats,
    NumericStats,
    NumericTable,
    as_slice,
    categorical_stats,
    draw_index,
    numeric_condition,
    numeric_stats,
)
from .weighted_ridge import WeightedGram, weighted_r2

__all__ = ["DISCRETIZERS", "FeatureWeight", "LimeExplanation", "TabularLime", "TabularSamples"]

# Explainers stored with joblib before the statistics moved to tabular_statistics
# name these classes under this module.
_NumericStats = NumericStats
_CategoricalStats = CategoricalStats

# Keeps ndtri away from +-inf when a uniform draw is exactly 0.
_TINY = 1e-12

ProgressCallback = Callable[[int, int], None]
PredictProba = Callable[[pd.DataFrame], np.ndarray]

# Alphas as in lime: a nearly unregularised ridge ranks the features, the
# reported surrogate is Ridge(alpha=1) on the selected ones.
_SELECTION_ALPHA = 0.01
# As lime's default ("auto"): up to this many reasons are chosen by forward selection, more
# by the largest weights of one ridge. With few reasons asked for, the one-ridge ranking puts
# nearly constant features first (a bin holding 96% of the rows gets a large, noisy weight);
# forward selection asks which feature improves the local fit most (bench/faithfulness.py:
# digits, decision tree, K = the path's features: recall 0.23 -> 0.38).
_FORWARD_SELECTION_UP_TO = 6
# The share of a sample's features that keep the instance's own value (see sample()). lime
# redraws every feature from the whole data, so most samples leave the instance's region and a
# tree's deeper splits go unseen. Paired over 150 held-out instances each (bench/faithfulness.py
# sets; mean change in gold recall ± its standard error, K = 10 / K = |gold|), 0.25 against 0:
# trees +0.01/+0.04 (breast cancer), +0.14/+0.13 (digits), -0.01/-0.03 (wine, within noise);
# sparse LR +0.06/+0.08 (breast cancer), +0.01/+0.03 (wine), +0.01/+0.00 (digits). 0.5 raised
# trees more (digits +0.26) but lowered digits' sparse LR at K = |gold| (-0.019 ± 0.007).
KEEP_SHARE = 0.25
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


class TabularLime:
    """Training statistics for tabular LIME; build once per model with :meth:`fit`."""

    # A class attribute, so explainers pickled before discretizers existed
    # load as the quartile explainers they are.
    discretizer: str = "quartile"

    def __init__(
        self,
        columns: Sequence[str],
        dtypes: Mapping[str, object],
        numeric: Mapping[str, NumericStats],
        categorical: Mapping[str, CategoricalStats],
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
            numeric={c: numeric_stats(frame[c], discretizer, labels) for c in numeric},
            categorical={c: categorical_stats(frame[c]) for c in categorical},
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
        keep_share: float = KEEP_SHARE,
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
        samples = self.sample(row, num_samples=num_samples, random_state=random_state, keep_share=keep_share)
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
        self,
        row: Mapping[str, object] | pd.Series,
        *,
        num_samples: int = 5000,
        random_state: int = 0,
        keep_share: float = KEEP_SHARE,
    ) -> TabularSamples:
        """Draw the perturbation samples of :meth:`explain` without querying the model.

        :meth:`explain` is ``sample`` + one ``predict_proba`` call on
        ``samples.frame`` + :meth:`fit_surrogate`; the split lets diagnostics
        query the model once for several seeds or kernel widths. The same
        ``random_state`` gives the same samples as :meth:`explain`.

        ``keep_share``: with bins, each feature of each sample keeps the instance's own value
        with this probability and is otherwise drawn from the training data (0: lime's
        sampling). Without bins ("none") every value is drawn, as lime does.
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
        num_pos = as_slice([self.columns.index(c) for c in table.columns])
        x0 = np.array(
            [np.nan if is_missing(row[c]) else float(row[c]) for c in table.columns],
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
                conditions[c] = f"{c} is missing" if math.isnan(v) else f"{c} ({two_decimals(v)})"
        else:
            for c, b in zip(table.columns, b0, strict=True):
                conditions[c] = numeric_condition(c, self.numeric[c], int(b))
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
            picks = draw_index(stats.freqs, u_bins[:, j])
            z[1:, j] = picks == c0
            lookup = np.array([np.nan if v is None else v for v in stats.values], dtype=object)
            values = np.empty(n, dtype=object)
            values[0] = np.nan if is_missing(value) else value
            values[1:] = lookup[picks]
            sampled[col] = values
            conditions[col] = f"{col} is missing" if is_missing(value) else f"{col} = {value_text(value)}"

        if keep_share > 0 and not continuous:  # drawn last, so keep_share=0 keeps lime's random stream
            kept = rng.random((n - 1, n_cols)) < keep_share
            self._keep_instance_values(kept, z, numeric_values, sampled, num_pos, row)
        frame = self._sample_frame(numeric_values, sampled)
        return TabularSamples(z=z, frame=frame, conditions=conditions, continuous=continuous)

    def _keep_instance_values(self, kept, z, numeric_values, sampled, num_pos, row) -> None:
        """Put the instance's own values back in the cells ``kept`` marks (rows 1.. of the samples)."""
        numeric_kept = kept[:, num_pos]
        numeric_values[1:][numeric_kept] = np.broadcast_to(numeric_values[0], numeric_kept.shape)[numeric_kept]
        z_numeric = z[1:, num_pos]
        z_numeric[numeric_kept] = np.broadcast_to(z[0, num_pos], numeric_kept.shape)[numeric_kept]
        z[1:, num_pos] = z_numeric
        for j, col in enumerate(self.columns):
            if col in sampled:
                sampled[col][1:][kept[:, j]] = sampled[col][0]
                z[1:, j][kept[:, j]] = z[0, j]

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
        gram = WeightedGram.build(z, y, sample_weight)
        if k <= _FORWARD_SELECTION_UP_TO:
            used = gram.forward_selection(k, _SELECTION_ALPHA)
        else:
            selection = gram.solve(_SELECTION_ALPHA)
            # Stable sort: ties keep column order, so results are deterministic.
            used = np.argsort(-np.abs(selection), kind="stable")[:k]

        coef = gram.solve(_SURROGATE_ALPHA, used)
        intercept = gram.intercept(coef, used)
        score = weighted_r2(y, z[:, used] @ coef + intercept, sample_weight, gram.y_mean)
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
    def _numeric_table(self) -> NumericTable:
        # Derived from the per-feature statistics; built on first use so that
        # pickles stay small and older pickles keep working.
        table = self.__dict__.get("_table")
        if table is None:
            numeric_cols = [c for c in self.columns if c in self.numeric]
            table = NumericTable.build(numeric_cols, [self.numeric[c] for c in numeric_cols])
            self._table = table
        return table

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_table", None)
        return state
