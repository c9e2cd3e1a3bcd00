"""Old module paths of classes and functions that stored files were pickled with.

A trained model's ``pipeline.joblib`` and an explainer's per-model state are pickles: they
name each custom class or function by its module path, as it was when they were written.
The engine moved from the apps into this package; :func:`install` lets those files load by
answering an import of an old path with the module that lives at the new one. Nothing is
imported until a pickle asks, so a web process stays light.

The list is what real stored files held (every kind, classifier and explainer trained and
run once before the move, their pickles read back; see tests/unit/test_moved_modules.py).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

# old path -> new path; the packages are listed so that their submodules resolve.
MOVED = {
    "classifiers.tabular": "limelight.tabular",
    "classifiers.tabular.training": "limelight.tabular.training",  # CalibratedSVC, _as_numbers, _as_text
    "classifiers.text": "limelight.text",
    "classifiers.text.training": "limelight.text.training",  # CalibratedLinearSVC, as_texts
    "classifiers.images": "limelight.images",
    "classifiers.images.features": "limelight.images.features",  # ImageFeatures
    "explanations.engine": "limelight.explainers",
    "explanations.engine.anchor_rules": "limelight.explainers.anchor_rules",  # CodedFeature
    "explanations.engine.anchor_tabular": "limelight.explainers.anchor_tabular",  # TabularAnchors
    "explanations.engine.kernel_shap": "limelight.explainers.kernel_shap",  # TabularShap
    "explanations.engine.lime_tabular": "limelight.explainers.lime_tabular",  # TabularLime
    "explanations.engine.tabular_statistics": "limelight.explainers.tabular_statistics",  # NumericStats, ...
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path before the ordinary finders would, and hands back the new module itself."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec) -> ModuleType:
        return importlib.import_module(MOVED[spec.name])  # one module object under both names

    def exec_module(self, module: ModuleType) -> None:
        pass  # already run under its new name


_finder = _MovedModules()


def install() -> None:
    """Let pickles written before the move load (idempotent)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
