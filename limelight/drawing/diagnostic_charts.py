"""Charts of the trust diagnostics (matplotlib Figure without pyplot, as :mod:`.charts`).

Same rules as :mod:`.charts`: Okabe-Ito colours and never colour alone
(markers, line styles, hatching, text), mathtext off for user labels,
deterministic SVG (no date, fixed hash salt), one render at a time. The text
alternative (a table of the same numbers) is the page's job.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from limelight.explainers.diagnostics.deletion_insertion import CurvePair, CurveResult
from limelight.explainers.diagnostics.kernel_widths import KernelSweep
from limelight.explainers.diagnostics.seeds import Stability
from limelight.explainers.diagnostics.what_if import Curve

from . import palette
from .chart_canvas import FONT_SIZE, WIDTH, check_format, figure_bytes, rendering

__all__ = ["deletion_insertion_chart", "kernel_width_chart", "stability_chart", "what_if_chart"]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), "-", "--")
_LABEL_WIDTH = 38
_UNCERTAIN_HATCH = "xx"


def _label(text: str, width: int = _LABEL_WIDTH) -> str:
    return textwrap.fill(str(text), width) or " "


def _note(feature) -> str:
    """What a stability bar's label adds under the reason: how often it made the top 5, and a doubt."""
    return f"in top 5: {feature.top5_share:.0%}" + (" · sign unsure" if feature.sign_uncertain else "")


def _tidy(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE)


def stability_chart(
    result: Stability, *, title: str, top: int = 10, format: str = "svg", amount_unit: str | None = None
) -> bytes:
    """Mean weight per feature over the runs with its 95% interval as whiskers.

    Blue bars push toward the class ``title``, vermillion (hatched) away (for an amount model,
    ``amount_unit`` is its unit and ``title`` the target: blue raises the predicted amount);
    features whose sign is uncertain are drawn light with a cross hatch and
    a "sign uncertain" note. The largest |mean| is at the top.
    """
    check_format(format)
    items = list(result.features[:top])
    n = len(items)
    with rendering():
        fig = Figure(figsize=(WIDTH, 0.85 * max(n, 1) + 2.2), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(n))[::-1]
        means = [f.mean for f in items]
        bars = ax.barh(
            positions,
            means,
            height=0.6,
            color=[palette.TOWARD if m >= 0 else palette.AGAINST for m in means],
            edgecolor=palette.WHITE,
        )
        for bar, f in zip(bars, items, strict=True):
            if f.sign_uncertain:
                bar.set_alpha(0.45)
                bar.set_hatch(_UNCERTAIN_HATCH)
            elif f.mean < 0:
                bar.set_hatch("///")
        if n:
            ax.errorbar(
                means,
                positions,
                xerr=[
                    [m - f.low for m, f in zip(means, items, strict=True)],
                    [f.high - m for m, f in zip(means, items, strict=True)],
                ],
                fmt="none",
                ecolor=palette.INK_DARK,
                elinewidth=1.5,
                capsize=4,
            )
        ax.axvline(0.0, color=palette.INK, linewidth=1)
        ax.set_yticks(
            positions,
            labels=[_label(f.condition, 22) + "\n" + _note(f) for f in items],
            parse_math=False,
            fontsize=FONT_SIZE,
        )
        lo = min([f.low for f in items] + [0.0])
        hi = max([f.high for f in items] + [0.0])
        span = (hi - lo) or 1.0
        ax.set_xlim(lo - 0.05 * span, hi + 0.05 * span)
        if n == 0:
            ax.set_yticks([])
        # The axis words and the title go over the whole figure: beside long labels the axes are
        # narrow, and words centred on them run off a phone-narrow chart's right edge.
        fig.supxlabel(
            _label(f"mean weight over {result.runs} runs, with 95% interval ({_direction(title, amount_unit)})", 40),
            parse_math=False,
            fontsize=FONT_SIZE,
        )
        fig.suptitle(
            "How stable is the explanation?\n"
            + _label(f"The main reasons agree across runs: {result.reasons_jaccard:.0%}", 40),
            parse_math=False,
            fontsize=FONT_SIZE + 1,
        )
        _tidy(ax)
        return figure_bytes(fig, format)


def _direction(title: str, amount_unit: str | None) -> str:
    """Which way a positive weight points: toward the class, or up for an amount (in its unit)."""
    if amount_unit is None:
        return f"toward '{title}' \u2192"
    return f"raises '{title}' \u2192" + (f", in {amount_unit}" if amount_unit else "")


def kernel_width_chart(sweep: KernelSweep, *, title: str, format: str = "svg", amount_unit: str | None = None) -> bytes:
    """One line per tracked feature: its weight against the kernel width (log scale).

    The default width is a dashed vertical line; a sign flip is ringed and
    labelled "flips" at the width where it happens.
    """
    check_format(format)
    widths = np.asarray(sweep.widths, dtype=float)
    with rendering():
        fig = Figure(figsize=(WIDTH, 6.4), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        flips = {f.feature: set(f.widths) for f in sweep.sign_flips}
        for i, (feature, condition, weights) in enumerate(
            zip(sweep.features, sweep.conditions, sweep.weights, strict=True)
        ):
            y = np.asarray(weights, dtype=float)
            ax.plot(
                widths,
                y,
                color=palette.SERIES[i % len(palette.SERIES)],
                linestyle=LINESTYLES[i % len(LINESTYLES)],
                marker=MARKERS[i % len(MARKERS)],
                linewidth=2,
                markersize=7,
                label=_label(condition + ("  (changes sign)" if feature in flips else ""), 44),
            )
            for w in sorted(flips.get(feature, ())):
                j = int(np.flatnonzero(widths == w)[0])
                ax.plot([w], [y[j]], marker="o", markersize=16, markerfacecolor="none", color=palette.INK_DARK)
                ax.annotate("flips", (w, y[j]), textcoords="offset points", xytext=(8, 8), fontsize=FONT_SIZE)
        ax.axhline(0.0, color=palette.INK, linewidth=1)
        ax.axvline(sweep.default_width, color=palette.MUTED, linestyle="--", linewidth=1.2)
        ax.annotate(
            f"default {sweep.default_width:.2f}",
            (sweep.default_width, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize=FONT_SIZE,
            color=palette.MUTED,
        )
        ax.set_xscale("log")
        ax.set_xticks(widths, labels=[f"{w:.2g}" for w in widths])
        ax.minorticks_off()
        ax.set_xlabel("neighbourhood width (kernel width; log scale)", fontsize=FONT_SIZE)
        if amount_unit is None:
            ax.set_ylabel(f"weight toward '{title}'", parse_math=False, fontsize=FONT_SIZE)
        else:
            unit = f" ({amount_unit})" if amount_unit else ""
            ax.set_ylabel(_label(f"weight on the predicted '{title}'{unit}", 30), parse_math=False, fontsize=FONT_SIZE)
        ax.set_title("Do the weights depend on\nthe neighbourhood size?", fontsize=FONT_SIZE + 1)
        if sweep.features:  # below the plot: inside it, a phone-narrow chart has no room for it
            fig.legend(fontsize=FONT_SIZE, loc="outside lower center", frameon=False, ncols=1)
        _tidy(ax)
        return figure_bytes(fig, format)


def deletion_insertion_chart(
    curves: CurvePair | CurveResult | Sequence[CurveResult],
    *,
    title: str,
    unit: str = "features",
    format: str = "svg",
    amount_unit: str | None = None,
) -> bytes:
    """Deletion and/or insertion curves: the explanation's order vs random orders (mean and band).

    For a model that predicts an amount, ``amount_unit`` is the target's unit ("" for none) and
    ``title`` the target: the curves are the predicted amount, on an axis fitted to them.

    One panel per curve; the explanation is a solid blue line with dots,
    random orders a dashed vermillion line with squares and a grey band
    (10th–90th percentile); the areas under the curves are in the legend.
    """
    check_format(format)
    if isinstance(curves, CurvePair):
        panels = [curves.deletion, curves.insertion]
    elif isinstance(curves, CurveResult):
        panels = [curves]
    else:
        panels = list(curves)
    if not panels:
        raise ValueError("no curves to draw")
    with rendering():
        # One panel under the other, so each keeps the chart's phone-narrow width.
        fig = Figure(figsize=(WIDTH, 4.6 * len(panels)), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, c in zip(axes, panels, strict=True):
            x = np.asarray(c.x) * 100
            ax.fill_between(x, c.random_low, c.random_high, color=palette.BAND, alpha=0.5, linewidth=0)
            ax.plot(
                x,
                c.random_mean,
                color=palette.AGAINST,
                linestyle="--",
                marker="s",
                markersize=4,
                linewidth=2,
                label=f"random orders (area {c.random_auc:.2f})",
            )
            ax.plot(
                x,
                c.explanation,
                color=palette.TOWARD,
                linestyle="-",
                marker="o",
                markersize=5,
                linewidth=2.5,
                label=f"explanation's order (area {c.auc:.2f})",
            )
            verb = "hidden" if c.kind == "deletion" else "put back"
            ax.set_xlabel(f"share of the {unit} {verb} (%)", fontsize=FONT_SIZE)
            if amount_unit is None:
                ax.set_ylabel(f"probability of '{title}'", parse_math=False, fontsize=FONT_SIZE)
                ax.set_ylim(-0.02, 1.02)
            else:
                shown = f" ({amount_unit})" if amount_unit else ""
                ax.set_ylabel(_label(f"predicted '{title}'{shown}", 30), parse_math=False, fontsize=FONT_SIZE)
            ax.set_xlim(0, 100)
            better = "lower" if c.kind == "deletion" else "higher"
            ax.set_title(_label(f"{c.kind.capitalize()}: a good explanation is {better}", 36), fontsize=FONT_SIZE)
            ax.legend(fontsize=FONT_SIZE, loc="best", frameon=False)
            _tidy(ax)
        return figure_bytes(fig, format)


def what_if_chart(
    curves: Curve | Mapping[str, Curve],
    *,
    title: str,
    feature_label: str | None = None,
    format: str = "svg",
    amount_unit: str | None = None,
) -> bytes:
    """Probability of ``title`` as one feature varies; the current value marked.

    For a model that predicts an amount, ``amount_unit`` is the target's unit ("" for none) and
    ``title`` the target: the curve is the predicted amount (read from the same ``probabilities``
    field, the model's one output), on an axis fitted to it instead of 0 to 1.

    Numbers are lines, categories dots (one x position each). Several models
    get distinct colours, line styles and markers; the row's current value
    is a dotted vertical line (numbers) and a large ringed point per model.
    """
    check_format(format)
    named = {"": curves} if isinstance(curves, Curve) else dict(curves)
    if not named:
        raise ValueError("no curves to draw")
    first = next(iter(named.values()))
    feature = feature_label or first.feature
    with rendering():
        fig = Figure(figsize=(WIDTH, 5.4), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if first.categorical:
            categories = [str(v) for v in first.values]
            xpos = {v: i for i, v in enumerate(categories)}
        for i, (name, c) in enumerate(named.items()):
            colour, marker = palette.SERIES[i % len(palette.SERIES)], MARKERS[i % len(MARKERS)]
            label = name or None
            if c.categorical:
                offset = (i - (len(named) - 1) / 2) * 0.12
                xs = [xpos[str(v)] + offset for v in c.values]
                ax.plot(
                    xs,
                    c.probabilities,
                    linestyle="none",
                    marker=marker,
                    markersize=8,
                    color=colour,
                    label=label,
                )
                current_x = xpos.get(str(c.current_value))
                if current_x is not None:
                    current_x += offset
            else:
                ax.plot(
                    c.values,
                    c.probabilities,
                    color=colour,
                    marker=marker,
                    markersize=4,
                    linestyle=LINESTYLES[i % len(LINESTYLES)],
                    linewidth=2,
                    label=label,
                )
                current = c.current_value
                current_x = (
                    None if current is None or (isinstance(current, float) and math.isnan(current)) else float(current)
                )
            if current_x is not None:
                ax.plot(
                    [current_x],
                    [c.current_probability],
                    marker=marker,
                    markersize=14,
                    markerfacecolor="none",
                    markeredgewidth=2,
                    color=colour,
                )
        if not first.categorical:
            current = first.current_value
            if current is not None and not (isinstance(current, float) and math.isnan(current)):
                ax.axvline(float(current), color=palette.INK, linestyle=":", linewidth=1.5)
                ax.annotate(
                    "this row",
                    (float(current), 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(4, -14),
                    textcoords="offset points",
                    fontsize=FONT_SIZE,
                )
        else:
            ax.set_xticks(
                range(len(categories)),
                labels=[_label(v, 14) for v in categories],
                parse_math=False,
                rotation=45 if len(categories) > 4 else 0,
                ha="right" if len(categories) > 4 else "center",
                rotation_mode="anchor",
            )
            ax.set_xlim(-0.6, len(categories) - 0.4)
        if amount_unit is None:
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel(f"probability of '{title}'", parse_math=False, fontsize=FONT_SIZE)
        else:
            unit = f" ({amount_unit})" if amount_unit else ""
            ax.set_ylabel(_label(f"predicted '{title}'{unit}", 30), parse_math=False, fontsize=FONT_SIZE)
        ax.set_xlabel(feature, parse_math=False, fontsize=FONT_SIZE)
        fig.suptitle(
            _label(f"What if '{feature}' were different? (ringed: this row as it is)", 40),
            parse_math=False,
            fontsize=FONT_SIZE + 1,
        )
        if any(named):
            fig.legend(fontsize=FONT_SIZE, frameon=False, loc="outside lower center")
        _tidy(ax)
        return figure_bytes(fig, format)
