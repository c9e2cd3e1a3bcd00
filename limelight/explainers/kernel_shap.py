"""KernelSHAP (Lundberg & Lee 2017) for tables, through ``shap.KernelExplainer``.

A third explainer for tables beside LIME and Anchors. Each feature's SHAP
value is its share of ``prediction - base_value``: how far this row's
probability of ``label`` is from the average over a small background of
training rows, split fairly among the features. The values add up exactly:
``base_value + sum(values) == prediction`` (up to rounding).

``shap.KernelExplainer`` works on numeric arrays, so categorical columns are
coded as integers (their index in the training categories; a missing value is
NaN, a category unseen in training gets the next code) and the model is
given a function that decodes a whole batch of coded rows back to a frame
with the original columns, order and dtypes before calling ``predict_proba``.
A missing number stays NaN (the pipeline imputes it); a missing category
decodes to NaN.

The background is ``background_size`` training rows drawn without
replacement (``shap.kmeans`` would need all-numeric, complete data and
invents rows that no file holds). It is computed once per model by
:meth:`TabularShap.fit`; the object is small and picklable.

``shap`` is imported on first use: it pulls in numba and takes a couple of
seconds to import, which pages that never explain with SHAP should not pay.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from limelight.explainers.lime_tabular import FeatureWeight
from limelight.values import is_missing, value_text

__all__ = ["MIN_SAMPLES", "ShapExplanation", "TabularShap"]

ProgressCallback = Callable[[int, int], None]
PredictProba = Callable[[pd.DataFrame], np.ndarray]

MIN_SAMPLES = 50


@dataclass(frozen=True)
class ShapExplanation:
    """Result of :meth:`TabularShap.explain`; ``weights`` largest |SHAP value| first.

    ``base_value`` is the model's average probability of ``label`` over the
    background rows, ``prediction`` its probability for this row;
    ``base_value`` plus all features' SHAP values is ``prediction`` (only the
    top ``num_features`` are kept in ``weights``). ``num_samples`` is the
    number of feature coalitions evaluated (0 when at most one feature differs
    from the background, where no sampling is needed).
    """

    label: int
    weights: tuple[FeatureWeight, ...]
    base_value: float
    prediction: float
    num_samples: int

    def to_dict(self) -> dict:
        """Return a JSON-ready dict; ``intercept``/``score`` mirror LIME's keys."""
        return {
            "label": int(self.label),
            "weights": [
                {"feature": w.feature, "condition": w.condition, "weight": float(w.weight)} for w in self.weights
            ],
            "base_value": float(self.base_value),
            "prediction": float(self.prediction),
            "num_samples": int(self.num_samples),
            "intercept": float(self.base_value),
            "score": None,
        }


class TabularShap:
    """A coded background sample for KernelSHAP; build once per model with :meth:`fit`."""

    def __init__(
        self,
        columns: Sequence[str],
        dtypes: Mapping[str, object],
        categories: Mapping[str, tuple],
        background: np.ndarray,
    ) -> None:
        self.columns = list(columns)
        self.dtypes = dict(dtypes)
        # Categorical column -> its training categories (missing excluded),
        # in a deterministic order; a category's code is its index.
        self.categories = {c: tuple(v) for c, v in categories.items()}
        self.background = np.asarray(background, dtype=np.float64)

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        numeric: Sequence[str],
        categorical: Sequence[str],
        background_size: int = 50,
        random_state: int = 0,
    ) -> TabularShap:
        """Draw ``background_size`` rows of the training frame (all of them if fewer) and code them.

        ``numeric + categorical`` must be exactly the frame's columns; the
        frame's column order is kept for the frames passed to ``predict_proba``.
        """
        numeric, categorical = [str(c) for c in numeric], [str(c) for c in categorical]
        overlap = set(numeric) & set(categorical)
        if overlap:
            raise ValueError(f"columns listed as both numeric and categorical: {sorted(overlap)}")
        if len(set(numeric) | set(categorical)) != len(numeric) + len(categorical):
            raise ValueError("duplicate column names")
        if set(numeric) | set(categorical) != {str(c) for c in frame.columns} or frame.columns.has_duplicates:
            raise ValueError("numeric + categorical must list exactly the frame's columns")
        if len(frame) == 0:
            raise ValueError("the training frame is empty")
        if int(background_size) != background_size or background_size < 1:
            raise ValueError("background_size must be an integer >= 1")

        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        categories = {c: _categories_of(frame[c]) for c in categorical}
        rng = np.random.default_rng(random_state)
        n = len(frame)
        picked = np.sort(rng.choice(n, size=min(int(background_size), n), replace=False))
        sample = frame.iloc[picked]
        shap = cls(
            columns=list(frame.columns),
            dtypes={c: frame[c].dtype for c in frame.columns},
            categories=categories,
            background=np.empty((0, len(frame.columns))),
        )
        shap.background = np.column_stack([shap._code_column(c, sample[c]) for c in shap.columns])
        return shap

    # -- explanation -------------------------------------------------------

    def explain(
        self,
        row: Mapping[str, object] | pd.Series,
        predict_proba: PredictProba,
        *,
        label: int,
        num_features: int = 10,
        num_samples: int | str = "auto",
        random_state: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> ShapExplanation:
        """Explain ``predict_proba(frame)[:, label]`` for one row.

        ``num_samples`` is the number of feature coalitions KernelSHAP
        evaluates (each against every background row): ``"auto"`` is shap's
        ``2 * features + 2048``; with few features every coalition is
        enumerated and the result is exact. The model is queried once for the
        background, once for the row and once for all coalitions.
        """
        if int(num_features) != num_features or num_features < 1:
            raise ValueError("num_features must be an integer >= 1")
        if num_samples != "auto" and (
            isinstance(num_samples, str) or int(num_samples) != num_samples or num_samples < MIN_SAMPLES
        ):
            raise ValueError(f'num_samples must be "auto" or an integer >= {MIN_SAMPLES}')
        if int(label) != label or label < 0:
            raise ValueError("label must be a class index >= 0")
        num_features, label = int(num_features), int(label)
        missing = [c for c in self.columns if c not in row]
        if missing:
            raise ValueError(f"the row lacks columns: {missing}")

        # Categories of this row unseen in training get the next code.
        lookups = {c: list(values) for c, values in self.categories.items()}
        x = np.empty(len(self.columns))
        for j, col in enumerate(self.columns):
            value = row[col]
            if col in lookups:
                code = _code_of(lookups[col], value)
                if code == len(lookups[col]):
                    lookups[col].append(value)
                x[j] = code
            else:
                x[j] = np.nan if is_missing(value) else float(value)
        decode_lookups = {c: _lookup_array(v) for c, v in lookups.items()}

        def model(coded: np.ndarray) -> np.ndarray:
            proba = np.asarray(predict_proba(self._decode(coded, decode_lookups)), dtype=np.float64)
            if proba.ndim != 2 or proba.shape[0] != len(coded):
                raise ValueError(f"predict_proba returned shape {proba.shape}, expected ({len(coded)}, n_classes)")
            if label >= proba.shape[1]:
                raise ValueError(f"label {label} out of range for {proba.shape[1]} classes")
            return proba[:, label]

        expected = _coalitions(self._varying(x), num_samples)
        if on_progress is not None:
            on_progress(0, expected)

        with warnings.catch_warnings():
            # shap's plotting colours use matplotlib calls that now warn on import.
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            import shap  # slow (numba): imported only when explaining

        # One BLAS thread (DESIGN.md); shap samples coalitions from numpy's
        # legacy global RNG, seeded here and restored afterwards.
        with threadpool_limits(limits=1, user_api="blas"), _legacy_seed(random_state), _quiet_shap_log():
            explainer = shap.KernelExplainer(model, self.background)
            phi = explainer.shap_values(x, nsamples=num_samples, l1_reg=False, silent=True)
        phi = np.asarray(phi, dtype=np.float64).reshape(len(self.columns))
        used = int(explainer.nsamples) if explainer.M > 1 else 0
        if on_progress is not None:
            on_progress(used, used)

        k = min(num_features, len(self.columns))
        # Stable sort: ties keep column order, so results are deterministic.
        order = np.argsort(-np.abs(phi), kind="stable")[:k]
        weights = tuple(
            FeatureWeight(
                feature=self.columns[j],
                condition=_condition(self.columns[j], row[self.columns[j]]),
                weight=float(phi[j]),
            )
            for j in order
        )
        return ShapExplanation(
            label=label,
            weights=weights,
            base_value=float(explainer.expected_value),
            prediction=float(np.asarray(explainer.fx).ravel()[0]),
            num_samples=used,
        )

    # -- coding ------------------------------------------------------------

    def _code_column(self, col: str, values: pd.Series) -> np.ndarray:
        if col in self.categories:
            known = list(self.categories[col])
            return np.array([_code_of(known, v) for v in values], dtype=np.float64)
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    def _varying(self, x: np.ndarray) -> int:
        """How many features differ from some background row (shap's own test: ``np.allclose``)."""
        same = np.isclose(self.background, x, equal_nan=True).all(axis=0)
        return int((~same).sum())

    def _decode(self, coded: np.ndarray, lookups: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The model's frame for a batch of coded rows: original columns, order and dtypes.

        Numbers come back as floats (float32 columns stay float32); codes are
        whole numbers taken from the background or the row, so they index the
        lookup directly, NaN meaning missing.
        """
        coded = np.asarray(coded, dtype=np.float64)
        data: dict[str, object] = {}
        for j, col in enumerate(self.columns):
            dtype = self.dtypes[col]
            column = coded[:, j]
            if col in lookups:
                lookup = lookups[col]  # the categories, then NaN for "missing"
                codes = np.where(np.isnan(column), len(lookup) - 1, column).astype(np.intp)
                if isinstance(dtype, pd.CategoricalDtype) and not set(lookup[:-1]) <= set(dtype.categories):
                    dtype = object  # an unseen category must reach the model, not become NaN
                try:
                    data[col] = pd.Series(lookup[codes], dtype=dtype, copy=False)
                except (TypeError, ValueError):
                    data[col] = pd.Series(lookup[codes], dtype=object, copy=False)
            elif isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype != np.float64:
                data[col] = column.astype(dtype)
            else:
                data[col] = column
        return pd.DataFrame(data, columns=self.columns, copy=False)


def _categories_of(column: pd.Series) -> tuple:
    """Observed values, missing excluded, ordered by their text (deterministic)."""
    values = [v for v in column.dropna().unique() if not is_missing(v)]
    return tuple(sorted(values, key=lambda v: (str(v), type(v).__name__)))


def _code_of(known: Sequence[object], value: object) -> float:
    """``value``'s index in ``known``; NaN if missing; ``len(known)`` if unseen."""
    if is_missing(value):
        return np.nan
    for i, v in enumerate(known):
        if v == value:
            return float(i)
    return float(len(known))


def _lookup_array(values: Sequence[object]) -> np.ndarray:
    """Code -> value, with one extra entry (NaN) that missing codes point at."""
    lookup = np.empty(len(values) + 1, dtype=object)
    lookup[:-1] = list(values)
    lookup[-1] = np.nan
    return lookup


def _coalitions(varying: int, num_samples: int | str) -> int:
    """The number of coalitions shap will evaluate (its own rule, for the progress total)."""
    if varying < 2:
        return 0
    n = 2 * varying + 2**11 if num_samples == "auto" else int(num_samples)
    return min(n, 2**varying - 2) if varying <= 30 else n


@contextlib.contextmanager
def _legacy_seed(seed: int) -> Iterator[None]:
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextlib.contextmanager
def _quiet_shap_log() -> Iterator[None]:
    """shap logs every explanation's values at INFO level; keep a worker's INFO log readable."""
    logger = logging.getLogger("shap")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _number(value: object) -> str:
    """A number as a file writes it: 63.0 reads "63", 0.1 (even as float32) "0.1"."""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = value if isinstance(value, np.floating) else float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return str(float(number))
    if float(number).is_integer():
        return str(int(number))
    return np.format_float_positional(number, trim="-")


def _condition(col: str, value: object) -> str:
    if is_missing(value):
        return f"{col} is missing"
    if isinstance(value, str):
        return f"{col} = {value}"
    try:
        return f"{col} = {_number(value)}"
    except (TypeError, ValueError):
        return f"{col} = {value_text(value)}"
