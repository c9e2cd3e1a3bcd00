"""Server-side charts for explanations (matplotlib, no pyplot).

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas, so
no global pyplot state is touched and rendering is safe from several threads.
Labels are user input: mathtext is off (``$`` stays a dollar sign) and SVG text
stays text, escaped by matplotlib's XML writer.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Sequence

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["weights_chart", "TOWARD_COLOUR", "AGAINST_COLOUR"]

# Okabe-Ito colour-blind-safe palette.
TOWARD_COLOUR = "#0072B2"  # blue
AGAINST_COLOUR = "#D55E00"  # vermillion
_AGAINST_HATCH = "///"  # so the sign does not rely on colour alone
_FONT_SIZE = 12
_LABEL_WIDTH = 38  # characters per line of a condition label

# Some settings are only read from rcParams (at draw / save time). rc_context
# changes process-wide state, so charts are rendered one at a time.
_RC = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "limelight",
    "font.size": _FONT_SIZE,
}
_RENDER_LOCK = threading.Lock()


def _signed(value: float) -> str:
    # U+2212 minus: a visible sign marker beside colour and hatching.
    return f"+{value:.3f}" if value >= 0 else f"\u2212{abs(value):.3f}"


def weights_chart(weights: Sequence[tuple[str, float]], *, title: str, format: str = "svg") -> bytes:
    """Draw LIME weights as a horizontal bar chart and return SVG or PNG bytes.

    ``weights`` are ``(condition, weight)`` pairs; the largest |weight| is drawn
    at the top. ``title`` is the name of the explained class: positive weights
    push the prediction toward it (blue), negative ones away (vermillion,
    hatched, with a minus sign). The same input gives the same bytes.
    """
    if format not in ("svg", "png"):
        raise ValueError("format must be 'svg' or 'png'")
    items = sorted(
        ((str(label), float(weight)) for label, weight in weights),
        key=lambda lw: -abs(lw[1]),
    )
    n = len(items)
    with _RENDER_LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8, 0.45 * max(n, 1) + 1.5), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(n))[::-1]  # first item at the top
        values = [w for _, w in items]
        bars = ax.barh(
            positions,
            values,
            height=0.7,
            color=[TOWARD_COLOUR if w >= 0 else AGAINST_COLOUR for w in values],
            edgecolor="white",
        )
        for bar, w in zip(bars, values, strict=True):
            if w < 0:
                bar.set_hatch(_AGAINST_HATCH)
        ax.axvline(0.0, color="#333333", linewidth=1)
        ax.set_yticks(
            positions,
            labels=[textwrap.fill(label, _LABEL_WIDTH) or " " for label, _ in items],
            parse_math=False,
            fontsize=_FONT_SIZE,
        )
        ax.tick_params(axis="x", labelsize=_FONT_SIZE - 1)

        span = max((abs(w) for w in values), default=1.0) or 1.0
        pad = 0.02 * span
        for pos, w in zip(positions, values, strict=True):
            ax.text(
                w + pad if w >= 0 else w - pad,
                pos,
                _signed(w),
                va="center",
                ha="left" if w >= 0 else "right",
                fontsize=_FONT_SIZE - 1,
                parse_math=False,
            )
        # Leave room for the value labels on both sides of the zero line.
        lo = min(min(values, default=0.0), 0.0)
        hi = max(max(values, default=0.0), 0.0)
        ax.set_xlim(lo - 0.3 * span if lo < 0 else -0.05 * span, hi + 0.3 * span)
        if n == 0:
            ax.set_yticks([])
        ax.set_xlabel(
            f"\u2190 pushes away from '{title}'    |    pushes toward '{title}' \u2192",
            parse_math=False,
            fontsize=_FONT_SIZE,
        )
        ax.set_title(f"What drives the prediction '{title}'", parse_math=False, fontsize=_FONT_SIZE + 1)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

        buf = io.BytesIO()
        if format == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()
