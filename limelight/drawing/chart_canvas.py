"""What every chart shares: its text size, its safety settings, one render at a time, its bytes.

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas, never
pyplot, so no global figure state is touched. Some settings are read only from
rcParams (at draw and save time); ``rc_context`` changes process-wide state, so
charts render one at a time under :func:`rendering`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.figure import Figure

FONT_SIZE = 12  # the smallest text on any chart, in points of the figure
# Charts are drawn this wide (inches) and shown at most at their own size: 345.6 pt = 461 CSS px.
# On a 390-px phone the card leaves ~340 px, so 12-pt text still reads at 12 * 340 / 345.6 ≈ 11.8 px.
WIDTH = 4.8
FORMATS = ("svg", "png")

_RC = {
    "text.parse_math": False,  # labels are user input: "$" stays a dollar sign
    "svg.fonttype": "none",  # SVG text stays text, escaped by matplotlib's XML writer
    "svg.hashsalt": "limelight",  # the same chart gives the same bytes
    "font.size": FONT_SIZE,
}
_RENDER_LOCK = threading.Lock()


@contextmanager
def rendering() -> Iterator[None]:
    with _RENDER_LOCK, matplotlib.rc_context(_RC):
        yield


def check_format(format: str) -> None:
    if format not in FORMATS:
        raise ValueError("format must be 'svg' or 'png'")


def figure_bytes(fig: Figure, format: str) -> bytes:
    buf = io.BytesIO()
    if format == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()
