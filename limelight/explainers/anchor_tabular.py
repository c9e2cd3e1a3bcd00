"""Anchors (Ribeiro et al. 2018) for tables: if-then rules that keep the prediction.

An anchor is a set of conditions on the instance's own values ("workclass =
Private", "28.00 < age <= 37.00") such that the model keeps predicting the
instance's class on almost every case where the conditions hold (precision),
while applying to as many cases as possible (coverage).

Predicates are those of ``anchor-exp`` (``AnchorTabularExplainer``): from
quartile bins of the training data, "feature <= edge" for each edge at or
above the instance's bin and "feature > edge" for each edge below it (they
compose into ranges), "feature = value" for a category, "feature is missing"
for a missing value. The search is anchor-exp's beam search over rules of
growing size (``beam_size`` rules kept per size), stopping at the first size
where a rule is certified: precision >= threshold and its KL lower bound
(anchor-exp's confidence ``delta`` = 0.1) >= threshold itself, taking the
largest coverage among the certified rules. Unlike anchor-exp, whose
``epsilon_stop`` lets that bound fall 0.05 short, there is no slack: the final
check (below) asks the lower end to reach the threshold, so the search does
too (a rule that holds 96% of the time, bound 0.94, is not certified at 0.95).

The sampling distribution is "training rows where the rule holds" (the
distribution the paper defines, and the one a person can check by filtering
the data file). anchor-exp instead replaces the anchored values of random
rows, but then reuses a parent rule's samples for its children, which mixes
real correlated rows into the estimate (on breast cancer with a random forest
its reported precision of 1.0 re-measures at about 0.64 on its own sampler).
Over a fixed pool of training rows (kept at fit time, shuffled) the search
is exact and cheap:

* each pool row is given to the model at most once; the search first
  predicts a random prefix of the pool (``20 * batch_size`` rows) in one
  call and only asks for more rows (x4, up to the pool) when no rule can be
  certified on the prefix, so the model is called 1-4 times, not 500-830;
* precision and coverage of every candidate come from boolean masks over
  the predicted rows, for all candidates of a parent at once; candidates
  are ranked by their KL lower bound (vectorised bisection), so a rule that
  is precise only on a handful of rows cannot crowd out well-supported ones;
* the reported precision is measured on cases the search never saw: the
  pool rows where the rule holds beyond the searched prefix when there are
  at least ``FRESH_ROWS_ENOUGH`` of them, else ``check_samples`` made-up
  variations drawn as the Anchors paper defines D(.|A) (a random row of the
  data with the anchored features' values taken from a row that meets the
  rule). Its Wilson 95% interval rests on that ``support``, and the rule
  *meets the threshold* only when the interval's lower end reaches it (the
  paper's definition), never on the raw ratio. How the rule does on the
  file's own rows ("holds for 18 of 18 similar rows in your file") is
  reported beside it, as what a person can check, not as the verdict.

Bin edges are rounded to 4 significant digits *before* binning, so each
condition's text is exactly the test the engine applies; coverage is the
share of pool rows satisfying the rule (exact for tables up to
``pool_size`` rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from limelight.values import is_missing

from .anchor_rules import (
    AnchorExplanation,
    CodedFeature,
    PredictProba,
    ProgressCallback,
    round_edge,
)
from .anchor_search import RuleSearch

__all__ = ["AnchorExplanation", "CHECK_SAMPLES", "TabularAnchors"]

_QUARTILES = (25, 50, 75)
MIN_THRESHOLD, MAX_THRESHOLD = 0.5, 0.999
# Made-up variations that judge a rule when the file's unseen rows cannot.
CHECK_SAMPLES = 2000


class TabularAnchors:
    """Training statistics for tabular Anchors; build once per model with :meth:`fit`."""

    def __init__(
        self,
        columns: Sequence[str],
        features: Sequence[CodedFeature],
        pool_codes: np.ndarray,
        pool_numbers: np.ndarray,
        n_rows: int,
    ) -> None:
        self.columns = list(columns)
        self.features = list(features)
        self.pool_codes = pool_codes
        self.pool_numbers = pool_numbers  # (pool, n_numeric) in the order of numeric features
        self.n_rows = n_rows

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        numeric: Sequence[str],
        categorical: Sequence[str],
        random_state: int = 0,
        pool_size: int = 10_000,
    ) -> TabularAnchors:
        """Quartile edges, category lists and a pool of up to ``pool_size`` training rows.

        ``numeric + categorical`` must be exactly the frame's columns; the
        frame's column order is kept for the frames passed to ``predict_proba``.
        """
        numeric, categorical = [str(c) for c in numeric], [str(c) for c in categorical]
        if set(numeric) & set(categorical):
            raise ValueError(
                f"columns listed as both numeric and categorical: {sorted(set(numeric) & set(categorical))}"
            )
        if len(set(numeric) | set(categorical)) != len(numeric) + len(categorical):
            raise ValueError("duplicate column names")
        if set(numeric) | set(categorical) != {str(c) for c in frame.columns} or frame.columns.has_duplicates:
            raise ValueError("numeric + categorical must list exactly the frame's columns")
        if len(frame) == 0:
            raise ValueError("the training frame is empty")
        if int(pool_size) != pool_size or pool_size < 100:
            raise ValueError("pool_size must be an integer >= 100")
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        features = []
        for col in frame.columns:
            if col in numeric:
                x = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
                present = x[~np.isnan(x)]
                edges = (
                    np.unique([round_edge(e) for e in np.percentile(present, _QUARTILES)])
                    if len(present)
                    else np.empty(0)
                )
                features.append(CodedFeature(col, True, edges, ()))
            else:
                seen = {None if is_missing(v) else v for v in frame[col].unique()}
                # Deterministic order: by value text, missing last.
                values = tuple(sorted(seen, key=lambda v: (v is None, "" if v is None else str(v))))
                features.append(CodedFeature(col, False, np.empty(0), values))
        # A shuffled pool, so that any prefix of it is a random sample of the rows.
        rng = np.random.default_rng(random_state)
        rows = rng.permutation(len(frame))[: int(pool_size)]
        pool = frame.iloc[rows]
        pool_codes = np.column_stack([f.codes(pool[f.name]) for f in features]).astype(np.int16)
        num_cols = [f.name for f in features if f.numeric]
        pool_numbers = (
            np.column_stack([pd.to_numeric(pool[c], errors="coerce").to_numpy(dtype=np.float64) for c in num_cols])
            if num_cols
            else np.empty((len(pool), 0))
        )
        return cls(list(frame.columns), features, np.ascontiguousarray(pool_codes), pool_numbers, len(frame))

    @property
    def pool_size(self) -> int:
        return len(self.pool_codes)

    # -- explanation -------------------------------------------------------

    def explain(
        self,
        row: Mapping[str, object] | pd.Series,
        predict_proba: PredictProba,
        *,
        threshold: float = 0.95,
        max_anchor_size: int | None = None,
        beam_size: int = 2,
        batch_size: int = 100,
        check_samples: int = CHECK_SAMPLES,
        random_state: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> AnchorExplanation:
        """Find an anchor for the model's prediction on ``row``.

        ``predict_proba`` receives a frame with the training columns (numbers
        as float64 with NaN for missing, categories as objects) and returns
        an ``(n, n_classes)`` array; the rule keeps the instance's argmax class.
        ``check_samples`` made-up variations judge the rule when the file has
        too few rows meeting it that the search did not see.
        """
        if isinstance(threshold, bool) or not MIN_THRESHOLD <= float(threshold) <= MAX_THRESHOLD:
            raise ValueError(f"threshold must be between {MIN_THRESHOLD} and {MAX_THRESHOLD}")
        if max_anchor_size is not None and (int(max_anchor_size) != max_anchor_size or max_anchor_size < 1):
            raise ValueError("max_anchor_size must be None or an integer >= 1")
        if int(beam_size) != beam_size or beam_size < 1:
            raise ValueError("beam_size must be an integer >= 1")
        if int(batch_size) != batch_size or batch_size < 10:
            raise ValueError("batch_size must be an integer >= 10")
        if int(check_samples) != check_samples or check_samples < 100:
            raise ValueError("check_samples must be an integer >= 100")
        missing = [c for c in self.columns if c not in row]
        if missing:
            raise ValueError(f"the row lacks columns: {missing}")
        search = RuleSearch(
            self,
            row,
            predict_proba,
            threshold=float(threshold),
            max_size=len(self.features) if max_anchor_size is None else int(max_anchor_size),
            beam_size=int(beam_size),
            batch_size=int(batch_size),
            check_samples=int(check_samples),
            random_state=random_state,
            on_progress=on_progress,
        )
        return search.run()

    def _frame(self, codes: np.ndarray, numbers: np.ndarray, lookups: list[np.ndarray | None]) -> pd.DataFrame:
        """Rows with the training columns: numbers as float64, categories as objects."""
        num_cols = [f.name for f in self.features if f.numeric]
        frame = pd.DataFrame(numbers, columns=num_cols, copy=False)
        for j, f in enumerate(self.features):
            if not f.numeric:
                frame[f.name] = lookups[j][codes[:, j]]
        if list(frame.columns) != self.columns:
            frame = frame[self.columns]
        return frame
