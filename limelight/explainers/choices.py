"""The names of the explainers' options, in a module that imports nothing heavy.

Forms and request checks in the web process validate against these without
loading SciPy, scikit-learn or scikit-image; the explainers import them from
here so each list lives in one place.
"""

__all__ = ["DISCRETIZERS", "HIDE_COLORS", "SEGMENTERS", "SEGMENTER_WORDS"]

# How tabular LIME splits a number into ranges (see lime_tabular).
DISCRETIZERS: tuple[str, ...] = ("quartile", "decile", "entropy", "none")
# How image LIME cuts a picture into regions, and how it hides one (see lime_image).
SEGMENTERS: tuple[str, ...] = ("quickshift", "slic", "felzenszwalb")
HIDE_COLORS: tuple[str, ...] = ("mean", "grey", "black", "blur")
# Each way of cutting a picture in plain words first, its technical name after (pages and forms).
SEGMENTER_WORDS: dict[str, str] = {
    "quickshift": "regions that follow colours and edges (quickshift)",
    "slic": "compact regions of similar size (SLIC)",
    "felzenszwalb": "regions that follow edges, of any size (Felzenszwalb)",
}
