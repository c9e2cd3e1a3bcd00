"""Leak warnings through the app: the model page, an explanation that leans on the leak, the trust
verdict, the CLI's JSON, and training again without the leaking column, side by side.

The hospital table is generated with its leak built in: "discharge_days" is filled in only for
patients who went home, so it is blank for every death, and it is recorded after the outcome.
Age and blood pressure raise the risk honestly, with exceptions (about 75% right on their own).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.models import TrainedModel
from jobs.services import job_run
from tests.conftest import csv_bytes

pytestmark = pytest.mark.web

ROWS = 240
LEAK = "discharge_days"
CODE = "discharge_code"


def hospital(rows: int = ROWS, seed: int = 0, *, leak: str = "blank") -> pd.DataFrame:
    """``leak``: "blank" (discharge_days blank for every death), "code" (a discharge code that
    writes the outcome again: "morgue" or "home"), or "" for none."""
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 12, rows).round()
    pressure = rng.normal(130, 15, rows).round()
    died = 0.08 * (age - 60) + 0.04 * (pressure - 130) + rng.normal(0, 1, rows) > 0
    frame = pd.DataFrame({"age": age, "pressure": pressure, "ward": rng.choice(["A", "B", "C"], rows)})
    if leak == "blank":
        frame[LEAK] = np.where(died, np.nan, rng.integers(1, 30, rows).astype(float))
    elif leak == "code":
        frame[CODE] = np.where(died, "morgue", "home")
    frame["died"] = np.where(died, "yes", "no")
    return frame


def train(owner, frame: pd.DataFrame, classifier: str = "random_forest") -> TrainedModel:
    upload = SimpleUploadedFile("hospital.csv", csv_bytes(frame), "text/csv")
    dataset = classifier_services.dataset_create(owner=owner, upload=upload)
    model = classifier_services.model_train_request(
        dataset=dataset, target="died", classifier=classifier, dispatch=False
    )
    return run(model)


def run(model: TrainedModel) -> TrainedModel:
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def test_the_model_page_says_which_column_gives_the_answer_away_and_trains_again_without_it(logged_in, user):
    model = train(user, hospital())
    assert [(leak["feature"], leak["why"], leak["alone_score"]) for leak in model.leaks] == [(LEAK, "missing", 1.0)]
    n_test = model.metrics["n_test"]
    sentence = (
        f"“{LEAK}” alone (whether it is blank, for a start) predicts “died” right for all of the {n_test} "
        "held-out rows — is it known before the outcome? If not, remove it and train again."
    )
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    assert sentence.replace("“", "&ldquo;") in page or sentence in page
    assert page.count(f"Train again without “{LEAK}”") == 1

    response = logged_in.post(reverse("classifiers:retrain_without", args=[model.pk]), {"column": LEAK})
    again = TrainedModel.objects.exclude(pk=model.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classifiers:side_by_side", args=[model.pk, again.pk])
    # The same settings, minus the column: the one training path, through the settings object.
    assert (again.classifier, again.target, again.random_state, again.params) == (
        model.classifier, model.target, model.random_state, model.params,
    )  # fmt: skip
    assert again.left_out == [LEAK] and again.features == [name for name in model.features if name != LEAK]
    assert f"“{LEAK}” is left out, as you asked." in again.notes

    queued = logged_in.get(response["Location"]).text  # the new model still queued: its progress shows
    assert "data-job-status-url" in queued
    again = run(again)
    assert again.leaks == []
    # Without the leak the hold-out score falls to what age and pressure honestly give.
    assert again.metrics["balanced_accuracy"] < 0.9 < model.metrics["balanced_accuracy"]
    page = logged_in.get(response["Location"]).text
    assert f"Predicting “died” with and without “{LEAK}”" in page
    assert page.count('class="notice leak-warning"') == 1  # the first model's warning only
    assert "No column of this model alone gives “died” away." in page
    assert f"Leaves out “{LEAK}”" in page
    assert page.count("score-baseline") == 2  # each score beside always guessing the common class


def test_an_explanation_leaning_on_the_leak_says_so_and_is_not_trusted(logged_in, user, make_explanation):
    model = train(user, hospital(leak="code"), classifier="logistic_regression")
    assert [leak["feature"] for leak in model.leaks] == [CODE]
    explanation = make_explanation(model, row=0, num_samples=1000, num_features=3)
    assert explanation.result["weights"][0]["feature"] == CODE
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert f"This explanation leans on “{CODE}”." in page
    assert "Trust:</strong>" not in page
    assert (
        f"it leans on “{CODE}”, which alone gives “died” away: unless it is known before the outcome, "
        "the model is right for the wrong reason"
    ) in page


def test_an_honest_table_has_no_leak_warning(logged_in, user):
    model = train(user, hospital(leak=""))
    assert model.leaks == []
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    assert "alone predicts" not in page and "Train again without" not in page


def test_bad_retrain_requests_are_messages_never_errors(logged_in, client, user, other_user):
    model = train(user, hospital(rows=160))
    unknown = logged_in.post(reverse("classifiers:retrain_without", args=[model.pk]), {"column": "nope"}, follow=True)
    assert unknown.status_code == 200 and "The model does not use “nope”, so it cannot be left out." in unknown.text
    assert logged_in.get(reverse("classifiers:retrain_without", args=[model.pk])).status_code == 405
    client.force_login(other_user)
    assert client.post(reverse("classifiers:retrain_without", args=[model.pk]), {"column": LEAK}).status_code == 404
    assert client.get(reverse("classifiers:side_by_side", args=[model.pk, model.pk])).status_code == 404
    assert TrainedModel.objects.count() == 1


def test_the_cli_lists_the_leaks_and_says_the_sentence(tmp_path, db):
    path = tmp_path / "hospital.csv"
    path.write_bytes(csv_bytes(hospital()))
    out = io.StringIO()
    call_command(
        "explain", str(path), "--target", "died", "--classifier", "random_forest", "--row", "0",
        "--num-samples", "500", "--json", stdout=out,
    )  # fmt: skip
    document = json.loads(out.getvalue())
    assert [(leak["feature"], leak["alone_score"]) for leak in document["model"]["leaks"]] == [(LEAK, 1.0)]
    said = [warning for warning in document["model"]["warnings"] if "alone" in warning]
    assert said == [
        f"“{LEAK}” alone (whether it is blank, for a start) predicts “died” right for all of the "
        f"{document['model']['metrics']['n_test']} held-out rows — is it known before the outcome? "
        "If not, remove it and train again."
    ]


def test_an_amount_model_warns_of_a_column_that_writes_the_amount_again(user):
    rng = np.random.default_rng(0)
    size = rng.normal(100, 20, ROWS).round(1)
    price = (3 * size + rng.normal(0, 30, ROWS)).round(2)
    frame = pd.DataFrame({"size": size, "town": rng.choice(["X", "Y"], ROWS), "price": price})
    frame["price_with_tax"] = (frame["price"] * 1.2).round(2)
    upload = SimpleUploadedFile("sales.csv", csv_bytes(frame), "text/csv")
    dataset = classifier_services.dataset_create(owner=user, upload=upload)
    model = classifier_services.model_train_request(
        dataset=dataset, target="price", classifier="random_forest", task="regression", dispatch=False
    )
    model = run(model)
    assert model.predicts_amount
    assert [(leak["feature"], leak["measure"]) for leak in model.leaks] == [("price_with_tax", "r2")]
    assert [w for w in model.warnings if w.startswith("“price_with_tax” alone accounts for ")] != []


def messages(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Two topics told apart by their words with exceptions (about 80%); the space messages went
    through the "Hermes" server, which signs them, and the medicine ones through "Juno"."""
    rng = np.random.default_rng(seed)
    words = {"space": ["orbit", "rocket", "launch", "moon"], "medicine": ["dose", "vaccine", "patient", "trial"]}
    texts, topics = [], []
    for _ in range(rows):
        topic = str(rng.choice(["space", "medicine"]))
        own = topic if rng.random() < 0.8 else ("medicine" if topic == "space" else "space")
        body = " ".join(rng.choice(["we", "read", "about", "the", "news", "today", "some", "think"], 6))
        server = "Hermes" if topic == "space" else "Juno"
        texts.append(f"{body} {' '.join(rng.choice(words[own], 2))}. Posted through {server}.")
        topics.append(topic)
    return pd.DataFrame({"message": texts, "topic": topics})


def test_a_text_model_is_trained_again_without_the_word_that_gives_the_topic_away(logged_in, user):
    upload = SimpleUploadedFile("forum.csv", csv_bytes(messages()), "text/csv")
    dataset = classifier_services.dataset_create(owner=user, upload=upload)
    model = run(
        classifier_services.model_train_request(
            dataset=dataset, target="topic", text_column="message", classifier="logistic_regression", dispatch=False
        )
    )
    assert sorted(leak["feature"] for leak in model.leaks) == ["hermes", "juno"]
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    assert page.count("Train again without the word “hermes”") == 1

    response = logged_in.post(reverse("classifiers:retrain_without", args=[model.pk]), {"column": "Hermes"})
    again = run(TrainedModel.objects.exclude(pk=model.pk).get())
    assert response["Location"] == reverse("classifiers:side_by_side", args=[model.pk, again.pk])
    assert (again.text_column, again.left_out) == ("message", ["hermes"])
    assert "The word “hermes” is left out of every text, as you asked." in again.notes
    assert [leak["feature"] for leak in again.leaks] == ["juno"]  # the other server's name still gives it away
    page = logged_in.get(response["Location"]).text
    assert "Reads “message” with “hermes” taken out of every text." in page
