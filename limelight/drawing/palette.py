"""The one palette of the charts and image overlays: Okabe & Ito's colour-blind-safe colours.

:mod:`.charts`, :mod:`.diagnostic_charts` and :mod:`.lime_image` take every
colour they draw with from here, so a weight toward the class is the same blue
in a bar chart, a diagnostic chart and a picture. Colour is never the only
cue: the charts add hatching, signs, markers and line styles. The page's CSS
(``static/css/site.css``) has its own variables; ``--accent`` and
``--against`` there are :data:`TOWARD` and :data:`AGAINST`. No Django.
"""

from __future__ import annotations

__all__ = [
    "AGAINST",
    "BAND",
    "BOUNDARY",
    "INK",
    "INK_DARK",
    "MATRIX_COLOURMAP",
    "MUTED",
    "SERIES",
    "TOWARD",
    "WHITE",
    "rgb",
]

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
VERMILLION = "#D55E00"
BLUISH_GREEN = "#009E73"
REDDISH_PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"

TOWARD = BLUE  # a weight that pushes the prediction toward the explained class
AGAINST = VERMILLION  # ... and one that pushes it away
# One colour per line when several series share a chart, in an order that
# stays distinguishable in grey.
SERIES = (BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, YELLOW, BLACK)

INK = "#333333"  # reference lines: zero, the row's current value, error bars
INK_DARK = "#222222"  # interval whiskers and the default-width ring
MUTED = "#666666"  # the default kernel width and its label
BAND = "#BBBBBB"  # the spread of the random orders' curves
WHITE = "#FFFFFF"  # bar edges, the middle of the diverging heat map
BOUNDARY = "#FFDD00"  # superpixel borders drawn on a photo (yellow reads on most)
# Sequential and readable in grey and for all common colour-vision deficiencies.
MATRIX_COLOURMAP = "Blues"


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#0072B2"`` as ``(0, 114, 178)``, for drawing into image arrays."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"expected a colour as #RRGGBB, not {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
