"""Charts of the whole model (issue 27): global importance with its spread, and partial dependence
with individual curves. Same canvas, sizes and palette as :mod:`.charts`; no pyplot, no Django."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import palette
from .chart_canvas import FONT_SIZE, WIDTH, check_format, figure_bytes, rendering

__all__ = ["importance_chart", "dependence_chart"]

_LABEL_WIDTH = 22
_MAX_TICK_LABELS = 12  # categories named on the axis; more would overlap at phone width


def importance_chart(
    items: Sequence[tuple[str, float, float, float]], *, xlabel: str, title: str, format: str = "svg"
) -> bytes:
    """``(feature, importance, low, high)`` as bars, largest at the top, the spread over repeats as a line.

    The spread is drawn as a whisker so a bar is never read as more certain than the repeats were.
    """
    check_format(format)
    n = len(items)
    with rendering():
        fig = Figure(figsize=(WIDTH, 0.42 * max(n, 1) + 1.9), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(n))[::-1]
        values = [float(value) for _, value, _, _ in items]
        ax.barh(positions, values, height=0.65, color=palette.TOWARD, edgecolor=palette.WHITE)
        for pos, (_, _, low, high) in zip(positions, items, strict=True):
            ax.plot([low, high], [pos, pos], color=palette.INK_DARK, linewidth=1.5)
            ax.plot([low, low], [pos - 0.15, pos + 0.15], color=palette.INK_DARK, linewidth=1.5)
            ax.plot([high, high], [pos - 0.15, pos + 0.15], color=palette.INK_DARK, linewidth=1.5)
        ax.axvline(0.0, color=palette.INK, linewidth=1)
        ax.set_yticks(
            positions,
            labels=[textwrap.fill(str(name), _LABEL_WIDTH) or " " for name, *_ in items],
            parse_math=False,
            fontsize=FONT_SIZE,
        )
        ax.tick_params(axis="x", labelsize=FONT_SIZE - 1)
        ax.set_xlabel(textwrap.fill(xlabel, 40), parse_math=False, fontsize=FONT_SIZE)
        fig.suptitle(textwrap.fill(title, 40), parse_math=False, fontsize=FONT_SIZE + 1)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_bytes(fig, format)


def dependence_chart(
    grid: Sequence[str | float],
    averages: Sequence[tuple[str, Sequence[float]]],
    individual: np.ndarray | None,
    *,
    feature: str,
    ylabel: str,
    categorical: bool,
    probability: bool = False,
    format: str = "svg",
) -> bytes:
    """Partial dependence: one thick line per class (or the amount), thin grey individual curves behind.

    ``individual`` (rows × grid) is drawn only with a single series, where it is the same
    quantity as the average; with several classes the thick lines alone stay readable.
    Categories are markers joined by no line, since their order means nothing. Probabilities are
    drawn on their whole 0-1 scale.
    """
    check_format(format)
    x = np.arange(len(grid)) if categorical else np.asarray(grid, dtype=float)
    with rendering():
        fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if individual is not None and len(averages) == 1:
            for curve in individual:
                ax.plot(x, curve, color=palette.BAND, linewidth=0.6, alpha=0.6, zorder=1)
        styles = ("-", "--", ":", "-.")
        markers = ("o", "s", "^", "D", "v", "P", "X", "*")
        for i, (name, values) in enumerate(averages):
            ax.plot(
                x,
                values,
                color=palette.SERIES[i % len(palette.SERIES)],
                linewidth=2.4,
                linestyle="none" if categorical else styles[i % len(styles)],
                marker=markers[i % len(markers)] if categorical or len(grid) <= 12 else None,
                markersize=6,
                label=textwrap.shorten(str(name), 24, placeholder="…"),
                zorder=2,
            )
        if categorical:
            shown = [textwrap.shorten(str(value), 14, placeholder="…") for value in grid]
            ax.set_xticks(x[:_MAX_TICK_LABELS], labels=shown[:_MAX_TICK_LABELS], rotation=40, ha="right")
        if probability:  # the whole 0-1 scale, so a small difference between categories looks small
            ax.set_ylim(-0.02, 1.02)
        ax.tick_params(labelsize=FONT_SIZE - 1)
        ax.set_xlabel(textwrap.shorten(feature, 40, placeholder="…"), parse_math=False, fontsize=FONT_SIZE)
        ax.set_ylabel(textwrap.fill(ylabel, 26), parse_math=False, fontsize=FONT_SIZE - 1)
        if len(averages) > 1:
            ax.legend(fontsize=FONT_SIZE - 2, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_bytes(fig, format)
