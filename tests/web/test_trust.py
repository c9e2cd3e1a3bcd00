"""Trust diagnostics on the pages: stability, kernel width, deletion/insertion, what-if, overview (issue 7)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from classifiers.selectors import row_subject
from explanations import runs as explanation_runs
from explanations import services
from explanations.models import ModelOverview
from jobs.services import job_run

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_a_table_explanation_carries_its_trust_checks(logged_in, make_trained_model, make_explanation, user):
    explanation = make_explanation(make_trained_model(user), row=3)
    diagnosis = explanation.diagnosis.result
    stability = diagnosis["stability"]
    assert stability["runs"] == 5 and stability["seeds"] == [0, 1, 2, 3, 4]
    age = next(f for f in stability["features"] if f["feature"] == "age")
    assert age["top5_share"] == 1.0 and not age["sign_uncertain"]  # the feature that decides is stable
    assert diagnosis["curves"]["deletion"]["auc"] < diagnosis["curves"]["deletion"]["random_auc"]
    assert diagnosis["curves"]["insertion"]["auc"] > diagnosis["curves"]["insertion"]["random_auc"]
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk]))
    assert "How far to trust this explanation" in page.text
    for name in ("stability", "kernel", "curves"):
        chart = logged_in.get(reverse("explanations:diagnostic", args=[explanation.pk, name]))
        assert chart["Content-Type"] == "image/svg+xml", name


def test_trust_checks_can_be_skipped_and_samples_chosen_automatically(make_trained_model, make_explanation, user):
    model = make_trained_model(user)
    quick = make_explanation(model, row=3, diagnostics=False)
    assert not hasattr(quick, "diagnosis")
    auto = make_explanation(model, row=3, auto_samples=True, num_samples=1000)
    assert auto.result["auto_samples"]["chosen"] == auto.num_samples
    assert auto.result["auto_samples"]["reached"] is True  # age alone decides: runs agree quickly


def test_what_if_curve_marks_the_case_and_moves_with_the_deciding_feature(
    logged_in, make_trained_model, make_explanation, user
):
    explanation = make_explanation(make_trained_model(user), row=3)
    page = logged_in.get(reverse("explanations:what_if_curve", args=[explanation.pk]), {"feature": "age"})
    assert page.status_code == 200 and "(this case)" in page.text
    curve = next(iter(page.context["curves"].values()))
    probabilities = dict(zip(curve["values"], curve["probabilities"], strict=True))
    young, old = min(probabilities), max(probabilities)
    assert abs(probabilities[young] - probabilities[old]) > 0.5  # crossing age 50 flips the class
    chart = logged_in.get(reverse("explanations:what_if_chart", args=[explanation.pk]), {"feature": "age"})
    assert chart["Content-Type"] == "image/svg+xml"


def test_model_overview_picks_representative_rows(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    overview = services.overview_request(model=model, dispatch=False)
    job_run(model=ModelOverview, pk=overview.pk, work=explanation_runs.overview_run)
    overview.refresh_from_db()
    picks = overview.result["picks"]
    assert 1 <= len(picks) <= 5
    assert picks[0]["weights"][0]["feature"] == "age"
    page = logged_in.get(reverse("explanations:overview", args=[overview.pk]))
    assert f"{row_subject(model.dataset, picks[0]['row']).capitalize()}: predicted" in page.text


def test_the_cli_reports_the_diagnostics(risk_csv_path):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("explain", str(risk_csv_path), "--row", "3", "--json", stdout=out)
    diagnostics = json.loads(out.getvalue())["explanation"]["diagnostics"]
    assert set(diagnostics) == {"fidelity_r2", "stability", "kernel_width_sweep", "deletion_insertion"}
    assert diagnostics["stability"]["runs"] == 5 and 0 <= diagnostics["stability"]["top5_jaccard"] <= 1
    first = diagnostics["stability"]["features"][0]
    assert set(first) >= {"feature", "mean", "interval"}
    assert diagnostics["kernel_width_sweep"]["default_width"] > 0


def test_kernel_shap_is_a_third_explainer_side_by_side_with_lime(logged_in, make_trained_model, make_explanation, user):
    from explanations.models import Explanation

    lime = make_explanation(make_trained_model(user), row=3)
    response = logged_in.post(reverse("explanations:pair_request", args=[lime.pk]), {"explainer": "shap"})
    shap = Explanation.objects.exclude(pk=lime.pk).get()
    job_run(model=Explanation, pk=shap.pk, work=explanation_runs.explanation_run)
    shap.refresh_from_db()
    assert shap.result["weights"][0]["feature"] == "age"
    shap_age = shap.result["weights"][0]["weight"]
    lime_age = next(w["weight"] for w in lime.result["weights"] if w["feature"] == "age")
    assert shap_age * lime_age > 0  # the two explainers agree on the deciding feature's direction
    total = shap.result["base_value"] + sum(w["weight"] for w in shap.result["weights"])
    assert total == pytest.approx(shap.result["prediction"], abs=0.02)
    page = logged_in.get(response.url)
    assert "How each value shares out the prediction (KernelSHAP)" in page.text
    assert "What pushed the prediction" in page.text
