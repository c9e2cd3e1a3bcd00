"""The local surrogate's solver: a weighted ridge regression in closed form.

Gives the numbers of scikit-learn's ``Ridge(alpha, fit_intercept=True)`` and
``r2_score`` with ``sample_weight`` without their per-call validation and
copies, which cost more than the algebra at LIME's sizes. No Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WeightedGram", "weighted_r2", "weighted_ridge"]


@dataclass(frozen=True, eq=False)
class WeightedGram:
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
    yy: float  # yc' W yc: the weighted total sum of squares

    @classmethod
    def build(cls, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> WeightedGram:
        sw = np.asarray(sample_weight, dtype=np.float64)
        total = sw.sum()
        x_mean = (sw @ X) / total
        y_mean = float(np.average(y, weights=sw))  # as scikit-learn, so constant y centres to exact zeros
        root = np.sqrt(sw)
        xw = X - x_mean
        xw *= root[:, None]
        yw = (y - y_mean) * root
        return cls(xw.T @ xw, xw.T @ yw, x_mean, y_mean, float(yw @ yw))

    def solve(self, alpha: float, columns: np.ndarray | None = None) -> np.ndarray:
        """Ridge coefficients on all columns, or on ``columns`` (in that order)."""
        if columns is None:
            a, b = self.gram.copy(), self.xy
        else:
            a, b = self.gram[np.ix_(columns, columns)], self.xy[columns]
        a.flat[:: len(a) + 1] += alpha
        return np.linalg.solve(a, b)

    def forward_selection(self, k: int, alpha: float) -> np.ndarray:
        """``k`` columns chosen one at a time, each the one whose ridge with those already chosen
        fits best (largest weighted R², first column on ties): lime's ``forward_selection``.

        Every candidate's fit comes from the Gram matrix: with ``A = G_SS + alpha I`` and
        ``A beta = g_S``, the residual sum of squares is ``yy - beta.g_S - alpha |beta|^2``, so a
        step is one batched solve of small systems, not one scikit-learn fit per column.
        """
        chosen: list[int] = []
        for _ in range(min(k, len(self.xy))):
            candidates = np.setdiff1d(np.arange(len(self.xy)), chosen)
            sets = np.column_stack([np.tile(chosen, (len(candidates), 1)).astype(np.intp), candidates])
            a = self.gram[sets[:, :, None], sets[:, None, :]]
            a[:, np.arange(sets.shape[1]), np.arange(sets.shape[1])] += alpha
            b = self.xy[sets]
            beta = np.linalg.solve(a, b[..., None])[..., 0]
            rss = self.yy - np.einsum("ij,ij->i", beta, b) - alpha * np.einsum("ij,ij->i", beta, beta)
            chosen.append(int(candidates[int(np.argmin(rss))]))
        return np.asarray(chosen, dtype=np.intp)

    def intercept(self, coef: np.ndarray, columns: np.ndarray | None = None) -> float:
        x_mean = self.x_mean if columns is None else self.x_mean[columns]
        return float(self.y_mean - x_mean @ coef)


def weighted_ridge(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """``(coef, intercept)`` of ``Ridge(alpha, fit_intercept=True).fit(X, y, sample_weight)``."""
    gram = WeightedGram.build(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64), sample_weight)
    coef = gram.solve(alpha)
    return coef, gram.intercept(coef)


def weighted_r2(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray, y_mean: float | None = None) -> float:
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
