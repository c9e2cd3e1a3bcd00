"""Trust diagnostics: how much to believe an explanation (issue 7).

Plain functions over a ``predict_proba`` callable and the engine's
explanation objects; no Django, no Celery. Every function that needs
randomness takes a seed, and the same inputs give the same result. One
module per diagnostic:

* :mod:`.seeds` — the explanation repeated with several seeds
  (:func:`stability`, :func:`stability_tabular`): each weight's mean with a
  95% interval, top-5 shares, uncertain signs and the top-5 agreement.
* :mod:`.sample_count` — :func:`auto_samples` raises the number of samples
  until the top 5 agree.
* :mod:`.kernel_widths` — :func:`kernel_sweep`: one sample set, one model
  query, a surrogate per kernel width; sign flips flagged.
* :mod:`.deletion_insertion` — the probability as features (superpixels) are
  replaced by typical values (the fill) in the explanation's order vs random
  orders, with areas.
* :mod:`.submodular_pick` — :func:`sp_lime_pick`, Ribeiro et al.'s pick of
  representative rows.
* :mod:`.what_if` — individual conditional expectation for one feature.

The names below are re-exported so that ``from limelight.explainers import
diagnostics`` keeps working for the services and the benchmarks.
"""

from .deletion_insertion import (
    CurvePair,
    CurveResult,
    deletion_insertion_image,
    deletion_insertion_tabular,
    deletion_order,
    typical_values,
)
from .kernel_widths import WIDTH_FACTORS, KernelSweep, SignFlip, kernel_sweep, sign_flip_words
from .sample_count import AutoSamples, auto_samples
from .seeds import FeatureStability, Stability, stability, stability_tabular
from .submodular_pick import sp_lime_pick
from .what_if import WHAT_IF_POINTS, Curve, what_if_curve, what_if_curves_for_models

__all__ = [
    "WHAT_IF_POINTS",
    "WIDTH_FACTORS",
    "AutoSamples",
    "Curve",
    "CurvePair",
    "CurveResult",
    "FeatureStability",
    "KernelSweep",
    "SignFlip",
    "Stability",
    "auto_samples",
    "deletion_insertion_image",
    "deletion_insertion_tabular",
    "deletion_order",
    "kernel_sweep",
    "sign_flip_words",
    "sp_lime_pick",
    "stability",
    "stability_tabular",
    "typical_values",
    "what_if_curve",
    "what_if_curves_for_models",
]
