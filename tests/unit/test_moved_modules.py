"""Files pickled before the engine moved into ``limelight`` still load.

The names below are every own class and function found in the pickles that Limelight wrote
before the move (pipeline.joblib of every kind and classifier, and the LIME, KernelSHAP and
Anchors states beside a model), read back with a recording unpickler.
"""

import importlib
import pickle

import pytest

pytestmark = pytest.mark.unit

PICKLED_BEFORE_THE_MOVE = [
    ("classifiers.images.features", "ImageFeatures", "limelight.images.features"),
    ("classifiers.tabular.training", "CalibratedSVC", "limelight.tabular.training"),
    ("classifiers.tabular.training", "_as_numbers", "limelight.tabular.training"),
    ("classifiers.tabular.training", "_as_text", "limelight.tabular.training"),
    ("classifiers.text.training", "CalibratedLinearSVC", "limelight.text.training"),
    ("classifiers.text.training", "as_texts", "limelight.text.training"),
    ("explanations.engine.anchor_rules", "CodedFeature", "limelight.explainers.anchor_rules"),
    ("explanations.engine.anchor_tabular", "TabularAnchors", "limelight.explainers.anchor_tabular"),
    ("explanations.engine.kernel_shap", "TabularShap", "limelight.explainers.kernel_shap"),
    ("explanations.engine.lime_tabular", "TabularLime", "limelight.explainers.lime_tabular"),
    ("explanations.engine.tabular_statistics", "CategoricalStats", "limelight.explainers.tabular_statistics"),
    ("explanations.engine.tabular_statistics", "NumericStats", "limelight.explainers.tabular_statistics"),
]


def _pickled_reference(module: str, name: str) -> bytes:
    """A pickle that holds nothing but a reference to ``module.name``, as an old file would."""
    return f"c{module}\n{name}\n.".encode()


@pytest.mark.parametrize(("old", "name", "new"), PICKLED_BEFORE_THE_MOVE)
def test_a_name_pickled_under_its_old_module_loads_as_the_moved_object(old, name, new):
    from limelight import moved_modules

    moved_modules.install()

    loaded = pickle.loads(_pickled_reference(old, name))

    assert loaded is getattr(importlib.import_module(new), name)
