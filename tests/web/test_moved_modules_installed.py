"""Every Django process (web, worker, CLI) reads models pickled before the engine moved into ``limelight``."""

import pickle

import pytest

from limelight.explainers.lime_tabular import TabularLime

pytestmark = pytest.mark.web


def test_the_app_lets_an_explainer_state_pickled_under_the_old_path_load():
    old_reference = b"cexplanations.engine.lime_tabular\nTabularLime\n."

    assert pickle.loads(old_reference) is TabularLime
