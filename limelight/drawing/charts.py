"""Server-side charts for explanations (matplotlib, no pyplot).

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas, so
no global pyplot state is touched and rendering is safe from several threads.
Labels are user input: mathtext is off (``$`` stays a dollar sign) and SVG text
stays text, escaped by matplotlib's XML writer.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from limelight.amount_words import amount, signed_amount

from . import palette
from .chart_canvas import FONT_SIZE, WIDTH, check_format, figure_bytes, rendering

__all__ = [
    "weights_chart",
    "rule_chart",
    "confusion_matrix_chart",
    "actual_predicted_chart",
    "TOWARD_COLOUR",
    "AGAINST_COLOUR",
]

# Kept under these names for callers and tests; the colours live in palette.py.
TOWARD_COLOUR = palette.TOWARD
AGAINST_COLOUR = palette.AGAINST
_AGAINST_HATCH = "///"  # so the sign does not rely on colour alone
_LABEL_WIDTH = 24  # characters per line of a condition label (the chart is phone-narrow)
_CLASS_LABEL_WIDTH = 18
_MAX_MATRIX_CLASSES = 50


def _lines(labels: Sequence[str]) -> int:
    """How many text lines the wrapped labels take (the chart's height follows them)."""
    return max(1, sum(textwrap.fill(label, _LABEL_WIDTH).count("\n") + 1 for label in labels))


def _signed(value: float, amount_unit: str | None = None) -> str:
    # U+2212 minus: a visible sign marker beside colour and hatching.
    if amount_unit is not None:
        return signed_amount(value, amount_unit)
    return f"+{value:.3f}" if value >= 0 else f"\u2212{abs(value):.3f}"


def weights_chart(
    weights: Sequence[tuple[str, float]], *, title: str, format: str = "svg", amount_unit: str | None = None
) -> bytes:
    """Draw LIME weights as a horizontal bar chart and return SVG or PNG bytes.

    ``weights`` are ``(condition, weight)`` pairs; the largest |weight| is drawn
    at the top. ``title`` is the name of the explained class: positive weights
    push the prediction toward it (blue), negative ones away (vermillion,
    hatched, with a minus sign). For a model that predicts an amount,
    ``amount_unit`` is the target's unit ("" for none) and ``title`` the target:
    a weight is what the fact adds to (or takes from) the predicted amount, and
    its label carries the unit. The same input gives the same bytes.
    """
    check_format(format)
    items = sorted(
        ((str(label), float(weight)) for label, weight in weights),
        key=lambda lw: -abs(lw[1]),
    )
    n = len(items)
    with rendering():
        fig = Figure(figsize=(WIDTH, 0.5 * _lines([label for label, _ in items]) + 1.9), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(n))[::-1]  # first item at the top
        values = [w for _, w in items]
        bars = ax.barh(
            positions,
            values,
            height=0.7,
            color=[TOWARD_COLOUR if w >= 0 else AGAINST_COLOUR for w in values],
            edgecolor=palette.WHITE,
        )
        for bar, w in zip(bars, values, strict=True):
            if w < 0:
                bar.set_hatch(_AGAINST_HATCH)
        ax.axvline(0.0, color=palette.INK, linewidth=1)
        ax.set_yticks(
            positions,
            labels=[textwrap.fill(label, _LABEL_WIDTH) or " " for label, _ in items],
            parse_math=False,
            fontsize=FONT_SIZE,
        )
        ax.tick_params(axis="x", labelsize=FONT_SIZE)

        span = max((abs(w) for w in values), default=1.0) or 1.0
        pad = 0.02 * span
        for pos, w in zip(positions, values, strict=True):
            ax.text(
                w + pad if w >= 0 else w - pad,
                pos,
                _signed(w, amount_unit),
                va="center",
                ha="left" if w >= 0 else "right",
                fontsize=FONT_SIZE,
                parse_math=False,
            )
        # Leave room for the value labels on both sides of the zero line.
        lo = min(min(values, default=0.0), 0.0)
        hi = max(max(values, default=0.0), 0.0)
        ax.set_xlim(lo - 0.8 * span if lo < 0 else -0.05 * span, hi + 0.5 * span)
        if n == 0:
            ax.set_yticks([])
        if amount_unit is None:
            axis = f"\u2190 away from '{title}'  |  toward '{title}' \u2192"
            heading = f"What drives the prediction '{title}'"
        else:
            unit = f" ({amount_unit})" if amount_unit else ""
            axis = f"\u2190 lowers the predicted '{title}'{unit}  |  raises it \u2192"
            heading = f"What drives the predicted '{title}'"
        ax.set_xlabel(textwrap.fill(axis, 30), parse_math=False, fontsize=FONT_SIZE)
        # Over the whole figure, not the axes: beside long labels the axes are narrow and a title
        # centred on them would run off the chart's right edge.
        fig.suptitle(textwrap.fill(heading, 40), parse_math=False, fontsize=FONT_SIZE + 1)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

        return figure_bytes(fig, format)


def rule_chart(
    conditions: Sequence[str],
    *,
    predicted: str,
    precision: tuple[float, float, float],
    support: int | None,
    coverage: float | None,
    meets_threshold: bool,
    format: str = "svg",
) -> bytes:
    """An Anchors rule as a picture: IF / AND / THEN lines, then how often it holds, with its interval.

    ``precision`` is (share, low, high) of the 95% interval; the bar shows the
    share and a line the interval, so the picture never claims more than it.
    """
    check_format(format)
    lines = [("IF" if i == 0 else "AND", textwrap.fill(str(c), 40)) for i, c in enumerate(conditions)]
    if not lines:
        lines = [("", "whatever the values are")]
    lines.append(("THEN", f"the model predicts '{predicted}'"))
    share, low, high = precision
    with rendering():
        height = 0.5 * sum(text.count("\n") + 1 for _, text in lines) + 2.8
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        FigureCanvasAgg(fig)
        text_ax, bar_ax = fig.subplots(2, 1, height_ratios=[height - 2.2, 2.2])
        text_ax.set_axis_off()
        y = 1.0
        step = 1.0 / (sum(text.count("\n") + 1 for _, text in lines) + 1)
        for word, text in lines:
            text_ax.text(0.0, y, word, fontweight="bold", va="top", parse_math=False, color=TOWARD_COLOUR)
            text_ax.text(0.16, y, text, va="top", parse_math=False)
            y -= step * (text.count("\n") + 1)
        bar_ax.barh([0], [share], height=0.5, color=TOWARD_COLOUR if meets_threshold else AGAINST_COLOUR)
        bar_ax.errorbar([share], [0], xerr=[[share - low], [high - share]], color=palette.INK, capsize=6, linewidth=1.5)
        bar_ax.set_xlim(0, 1)
        bar_ax.set_yticks([])
        bar_ax.xaxis.set_major_formatter(lambda x, _: f"{100 * x:.0f}%")
        checked = f" of {support:,} fresh cases" if support else ""
        bar_ax.set_title(
            textwrap.fill(
                f"Holds for {100 * share:.1f}%{checked} (95% sure: {math.floor(100 * low)}%–{math.ceil(100 * high)}%)"
                + ("" if meets_threshold else " — falls short")
                + (f"; applies to {100 * coverage:.1f}% of rows" if coverage is not None else ""),
                46,
            ),
            parse_math=False,
            fontsize=FONT_SIZE,
        )
        for side in ("top", "right", "left"):
            bar_ax.spines[side].set_visible(False)
        return figure_bytes(fig, format)


def _text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Black on light cells, white on dark ones (relative luminance, WCAG)."""
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    # The luminance where black and white text have equal contrast.
    return "black" if luminance > 0.179 else "white"


def confusion_matrix_chart(
    matrix: Sequence[Sequence[int]], class_names: Sequence[str], *, format: str = "svg"
) -> bytes:
    """Draw a confusion matrix as a heatmap with the count in every cell; SVG or PNG bytes.

    Rows are the true class, columns the predicted class, both in
    ``class_names`` order, so correct predictions lie on the diagonal. A
    cell's shade is its share of the row (of the rows truly in that class),
    so a small class's diagonal is as readable as a large one's; the number
    printed is the count. Text is black or white, whichever contrasts with
    the cell. Long names are wrapped and the column labels rotated; fonts
    shrink for many classes. The same input gives the same bytes.
    """
    check_format(format)
    counts = np.asarray(matrix, dtype=np.int64) if len(matrix) else np.zeros((0, 0), dtype=np.int64)
    n = len(class_names)
    if counts.ndim != 2 or counts.shape != (n, n) or n == 0:
        raise ValueError("matrix must be square with one row and column per class name")
    if n > _MAX_MATRIX_CLASSES:
        raise ValueError(f"at most {_MAX_MATRIX_CLASSES} classes can be drawn")
    if (counts < 0).any():
        raise ValueError("counts cannot be negative")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    labels = [textwrap.fill(str(name), _CLASS_LABEL_WIDTH) or " " for name in class_names]
    # Never below FONT_SIZE: with many classes the figure grows (and scrolls sideways on a phone).
    font = cell_font = FONT_SIZE
    rotate = n > 4 or any(len(str(name)) > 6 for name in class_names)
    side = max(3.2, 0.45 * n + 1.6)

    with rendering():
        fig = Figure(figsize=(side + 1.6, side + 0.6), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        cmap = colormaps[palette.MATRIX_COLOURMAP]
        norm = Normalize(vmin=0.0, vmax=1.0)
        # pcolormesh keeps the SVG vector (imshow would embed a bitmap).
        mesh = ax.pcolormesh(shares, cmap=cmap, norm=norm, edgecolors=palette.WHITE, linewidth=1.0)
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)  # first class at the top
        ax.set_aspect("equal")
        for i in range(n):
            for j in range(n):
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    str(int(counts[i, j])),
                    ha="center",
                    va="center",
                    fontsize=cell_font,
                    fontweight="bold" if i == j else "normal",
                    color=_text_colour(cmap(norm(shares[i, j]))),
                    parse_math=False,
                )
        ticks = [k + 0.5 for k in range(n)]
        ax.set_xticks(
            ticks,
            labels=labels,
            parse_math=False,
            fontsize=font,
            rotation=45 if rotate else 0,
            ha="right" if rotate else "center",
            rotation_mode="anchor",
        )
        ax.set_yticks(ticks, labels=labels, parse_math=False, fontsize=font)
        ax.tick_params(length=0)
        ax.set_xlabel("predicted class", fontsize=FONT_SIZE)
        ax.set_ylabel("true class", fontsize=FONT_SIZE)
        ax.set_title("True against predicted class\n(held-out rows)", fontsize=FONT_SIZE + 1)
        for spine in ax.spines.values():
            spine.set_visible(False)
        colorbar = fig.colorbar(mesh, ax=ax, shrink=0.8)
        colorbar.set_label("share of the true class's rows", fontsize=FONT_SIZE)
        colorbar.ax.tick_params(labelsize=FONT_SIZE)
        return figure_bytes(fig, format)


def actual_predicted_chart(
    pairs: Sequence[Sequence[float]],
    *,
    target: str,
    unit: str = "",
    baseline: float | None = None,
    format: str = "svg",
) -> bytes:
    """An amount model's held-out rows: each one's actual amount (across) against its prediction (up).

    A perfect model puts every point on the dashed diagonal; the dotted horizontal line is the
    baseline, always predicting ``baseline`` (the training rows' average), so the picture shows how
    much nearer the diagonal than that line the points are. Both axes share one range in the
    target's unit. The same input gives the same bytes.
    """
    check_format(format)
    points = np.asarray(pairs, dtype=float).reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        raise ValueError("no held-out pairs to draw")
    actual, predicted = points[:, 0], points[:, 1]
    values = np.concatenate([actual, predicted, [] if baseline is None else [baseline]])
    low, high = float(values.min()), float(values.max())
    pad = 0.05 * (high - low or abs(high) or 1.0)
    low, high = low - pad, high + pad
    shown_unit = f" ({unit})" if unit else ""
    with rendering():
        fig = Figure(figsize=(WIDTH, WIDTH + 0.9), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        diagonal = [low, high]
        ax.plot(diagonal, diagonal, color=palette.INK, linestyle="--", linewidth=1.2, label="exactly right")
        if baseline is not None:
            ax.axhline(
                baseline,
                color=palette.AGAINST,
                linestyle=":",
                linewidth=2,
                label=f"always the average ({amount(baseline, unit)})",
            )
        ax.scatter(actual, predicted, s=18, color=palette.TOWARD, alpha=0.6, edgecolors="none", label="a held-out row")
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal")
        ax.set_xlabel(textwrap.fill(f"actual '{target}'{shown_unit}", 40), parse_math=False, fontsize=FONT_SIZE)
        ax.set_ylabel(textwrap.fill(f"predicted{shown_unit}", 30), parse_math=False, fontsize=FONT_SIZE)
        ax.tick_params(labelsize=FONT_SIZE)
        fig.suptitle(
            textwrap.fill(f"Predicted against actual '{target}' ({len(points):,} held-out rows)", 40),
            parse_math=False,
            fontsize=FONT_SIZE + 1,
        )
        fig.legend(fontsize=FONT_SIZE, frameon=False, loc="outside lower center")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_bytes(fig, format)
