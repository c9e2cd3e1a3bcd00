"""While a photo is explained, the page's progress shows the copies done of those planned and the time left.

What the page polls is read after every report the engine makes (jobs.views.job_status_response,
the JSON of static/js/progress.js), on a real image explanation run by the worker's own code.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import urlsplit

import pytest

from classifiers import runs as classifier_runs
from classifiers import services
from classifiers.models import TrainedModel
from explanations import runs
from explanations import services as explanation_services
from explanations.models import Explanation
from jobs.services import job_run, time_left
from jobs.views import job_status_response

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_time_left_is_the_pace_so_far_times_the_steps_left():
    assert time_left(2.0, 100, 400) == "about 8 s left"  # 100 steps in 2 s: 400 more take 8 s
    assert time_left(60.0, 100, 1000) == "about 10 min left"  # 600 s
    assert time_left(0.1, 100, 500) == "less than a second left"
    assert time_left(0.0, 0, 1000) == time_left(3.0, 100, 0) == ""  # no pace yet; nothing left


def test_a_photo_explanations_progress_counts_copies_and_says_the_time_left(user):
    dataset = services.dataset_create_demo(owner=user, slug="shapes")
    model = services.model_train_request(
        dataset=dataset, target="class", classifier="logistic_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    explanation = explanation_services.explanation_request(
        model=model, row_index=3, dispatch=False, num_samples=1000, segmenter="slic"
    )
    seen = []

    def watched(job, on_progress):
        def report(done, total, stage=None):
            on_progress(done, total, stage)
            seen.append(json.loads(job_status_response(Explanation.objects.get(pk=job.pk)).content))

        return runs.explanation_run(job, report)

    job_run(model=Explanation, pk=explanation.pk, work=watched)
    explanation.refresh_from_db()
    assert explanation.succeeded, explanation.message
    sampling = [s for s in seen if s["stage"].startswith("Showing the model copies of the image")]
    used = explanation.result["num_samples"]
    # One report per 100 copies, each "done of planned", up to the copies actually used.
    assert [(s["done"], s["total"]) for s in sampling] == [(n, 1000) for n in range(100, used + 1, 100)]
    assert "up to 1,000" in sampling[0]["stage"] and "left" not in sampling[0]["stage"]  # no pace yet
    assert all(re.search(r"· (about \d+ (s|min)|less than a second) left$", s["stage"]) for s in sampling[1:])
    assert explanation.result["planned_samples"] == 1000


def test_the_cli_and_the_page_say_how_many_copies_were_used_of_those_planned(tmp_path, client):
    """Quickshift cuts a 96-px demo picture into ~10 regions, whose top 5 settle long before 2,000 copies."""
    from django.core.management import call_command

    from limelight.images.demos import demo_archive_bytes

    path = tmp_path / "shapes.zip"
    path.write_bytes(demo_archive_bytes())
    out = io.StringIO()
    call_command(
        "explain", str(path), "--classifier", "logistic_regression", "--explainer", "lime",
        "--row", "circles/circle_003.png", "--num-samples", "2000", "--share", "--json", stdout=out,
    )  # fmt: skip
    document = json.loads(out.getvalue())
    explained = document["explanation"]
    assert explained["planned_samples"] == 2000 and explained["stopped_early"] is True
    assert 300 <= explained["num_samples"] < 2000 and explained["num_samples"] % 100 == 0
    page = client.get(urlsplit(document["share_url"]).path).content.decode()
    words = re.sub(r"\s+", " ", page)
    assert f"{explained['num_samples']:,} copies of the image" in words
    assert "It stopped there, of up to 2,000 copies, because the top regions had stopped changing." in words
