"""The reference implementation: ``lime.lime_tabular`` on a label-encoded table.

lime needs one numeric array. Categories are label-encoded (missing is a
level of its own) and the predict function decodes the sampled array back
into the DataFrame our pipelines expect; that decoding is part of the
reference's price. lime cannot bin NaN, so missing numbers are filled with
the training median before lime sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from lime.lime_tabular import LimeTabularExplainer

PredictProba = Callable[[pd.DataFrame], np.ndarray]


class TableCodec:
    """Label-encode a mixed frame for lime and decode lime's samples back."""

    def __init__(self, train: pd.DataFrame, categorical: Sequence[str]) -> None:
        self.columns = list(train.columns)
        self.categorical = [c for c in self.columns if c in set(categorical)]
        self.cat_index = [self.columns.index(c) for c in self.categorical]
        self.levels = {c: sorted(train[c].dropna().unique().tolist(), key=str) for c in self.categorical}
        self.medians = {c: float(train[c].median()) for c in self.columns if c not in self.levels}
        self.lookups = {c: np.asarray([*v, np.nan], dtype=object) for c, v in self.levels.items()}

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows as floats: numbers (NaN → training median), categories as codes."""
        out = np.empty((len(frame), len(self.columns)))
        for j, col in enumerate(self.columns):
            if col in self.levels:
                codes = pd.Categorical(frame[col], categories=self.levels[col]).codes
                out[:, j] = np.where(codes < 0, len(self.levels[col]), codes)
            else:
                out[:, j] = pd.to_numeric(frame[col], errors="coerce").fillna(self.medians[col])
        return out

    def decode(self, array: np.ndarray) -> pd.DataFrame:
        """lime's sampled array back to a frame with the original columns."""
        frame = pd.DataFrame(array, columns=self.columns)
        for j, col in zip(self.cat_index, self.categorical, strict=True):
            frame[col] = self.lookups[col][array[:, j].astype(np.intp)]
        return frame

    def categorical_names(self) -> dict[int, list[str]]:
        """lime's ``categorical_names``: index → level labels (missing last)."""
        return {
            j: [*map(str, self.levels[c]), "(missing)"] for j, c in zip(self.cat_index, self.categorical, strict=True)
        }


class LimeReference:
    """A ``LimeTabularExplainer`` built once per model, plus its codec."""

    def __init__(
        self,
        train: pd.DataFrame,
        categorical: Sequence[str],
        predict_proba: PredictProba,
        *,
        feature_selection: str = "highest_weights",
        seed: int = 0,
    ) -> None:
        self.codec = TableCodec(train, categorical)
        self.predict_proba = predict_proba
        self.explainer = LimeTabularExplainer(
            self.codec.encode(train),
            feature_names=self.codec.columns,
            categorical_features=self.codec.cat_index,
            categorical_names=self.codec.categorical_names(),
            discretize_continuous=True,
            feature_selection=feature_selection,
            random_state=seed,
        )

    def predict_encoded(self, array: np.ndarray) -> np.ndarray:
        """The predict function lime calls: decode, then the pipeline."""
        return self.predict_proba(self.codec.decode(array))

    def explain(self, row: pd.Series, *, label: int, num_samples: int, num_features: int) -> list[str]:
        """Feature names of lime's explanation, largest |weight| first."""
        encoded = self.codec.encode(row.to_frame().T)[0]
        exp = self.explainer.explain_instance(
            encoded, self.predict_encoded, labels=(label,), num_features=num_features, num_samples=num_samples
        )
        return [self.codec.columns[i] for i, _ in exp.as_map()[label]]
