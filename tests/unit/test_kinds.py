"""The registry of data kinds: one vocabulary, one shape, declared capabilities (issue 15)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from classifiers.kinds import KINDS, DataKind, kind_for_upload, kind_of, training_kind

ROOT = Path(__file__).resolve().parents[2]


def test_the_vocabulary_is_the_clis_kind_values():
    # DESIGN.md, command line: dataset.kind is tabular | image | text.
    assert set(KINDS) == {"tabular", "text", "image"}
    assert all(kind_of(name).name == name for name in KINDS)


def test_every_kind_declares_every_field():
    names = {field.name for field in dataclasses.fields(DataKind)}
    for kind in KINDS.values():
        assert isinstance(kind, DataKind)
        declared = {name for name in names if getattr(kind, name) is not None}
        # Only a kind that is not a file's own shape (text) lacks a reader; trust checks are optional.
        assert names - declared <= {"read_dataset", "dataset_context", "diagnostics"}, kind.name
        assert set(kind.result_partials) == set(kind.explainers), kind.name
        assert set(kind.instance_shown_with) <= set(kind.explainers), kind.name
        assert kind.classifiers, kind.name


def test_explainers_offered_per_kind():
    assert kind_of("tabular").explainer_names == ("lime", "anchor", "shap", "counterfactual")
    assert kind_of("text").explainer_names == ("lime", "anchor")
    assert kind_of("image").explainer_names == ("lime",)
    assert kind_of("text").offers("anchor") and not kind_of("text").offers("shap")
    assert not kind_of("image").offers("anchor")


def test_what_each_kind_offers_besides_explainers():
    table, text, image = (kind_of(name) for name in ("tabular", "text", "image"))
    assert table.diagnosed and image.diagnosed and not text.diagnosed
    assert table.what_if_curve and not text.what_if_curve and not image.what_if_curve
    assert table.custom_values and text.custom_values and not image.custom_values
    assert table.overview and not text.overview and not image.overview
    assert image.pictures and not table.pictures


def test_a_kind_is_found_from_an_upload_and_from_a_training_request():
    assert kind_for_upload(b"PK\x03\x04rest").name == "image"
    assert kind_for_upload(b"a,b\n1,2").name == "tabular"

    class Dataset:
        kind = "tabular"

    assert training_kind(Dataset(), "review").name == "text"
    assert training_kind(Dataset(), "").name == "tabular"
    with pytest.raises(LookupError):
        kind_of("sound")


def test_the_registry_imports_no_engine():
    probe = (
        "import sys; import classifiers.kinds; "
        "print(sorted(m for m in ('sklearn', 'scipy', 'matplotlib', 'django.db') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
