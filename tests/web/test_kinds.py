"""A new kind of data is one declaration in the registry: the pages, forms and services follow it (issue 15)."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from classifiers.kinds import KINDS, kind_of, register
from explanations import services
from explanations.forms import ExplainForm

pytestmark = [pytest.mark.web, pytest.mark.django_db]


@pytest.fixture
def fake_kind():
    """Tables, but explained by LIME alone and without trust checks or a what-if curve."""
    table = kind_of("tabular")
    kind = register(
        dataclasses.replace(
            table,
            name="fake",
            label="Fakes",
            explainers={"lime": table.explainers["lime"]},
            result_partials={"lime": table.result_partials["lime"]},
            instance_shown_with=("lime",),
            diagnostics=None,
            what_if_curve=False,
            overview=False,
        )
    )
    yield kind
    KINDS.pop("fake")


def test_a_kind_added_to_the_registry_is_used_everywhere(
    fake_kind, user, logged_in, make_trained_model, make_explanation
):
    model = make_trained_model(user)
    model.kind = "fake"
    model.save(update_fields=["kind"])
    assert model.data_kind is fake_kind

    with pytest.raises(services.RequestError, match="For fakes, Limelight explains with LIME"):
        services.explanation_request(model=model, row_index=0, explainer="anchor", dispatch=False)
    with pytest.raises(services.RequestError, match="available for tables"):
        services.overview_request(model=model, dispatch=False)
    form = ExplainForm(model=model)
    assert "explainer" not in form.fields and "skip_diagnostics" not in form.fields

    explanation = make_explanation(model, row=3)
    assert services.diagnosis_request(explanation_id=explanation.pk, dispatch=False) is None
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "An if-then rule (Anchors)" not in page  # nothing to put side by side
    assert "What if one column changed?" not in page
    model_page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    assert reverse("explanations:overview_request", args=[model.pk]) not in model_page
