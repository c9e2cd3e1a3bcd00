"""Amounts in a real browser (issue 25): the training form's task switch follows the chosen column and
offers only the models that fit; the model page and a LIME explanation read in grams at phone, laptop
and projector widths (screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, csv_bytes
from tests.web.test_amount_pages import mass_table

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@pytest.fixture
def amount_model(make_dataset, user):
    from classifiers import runs, services
    from classifiers.models import TrainedModel
    from jobs.services import job_run
    from limelight.training_settings import TrainingSettings

    dataset = make_dataset(user, content=csv_bytes(mass_table()), name="mass.csv")
    settings = TrainingSettings(target="mass_g", classifier="linear_regression")
    model = services.model_train_request(dataset=dataset, settings=settings, dispatch=False)
    job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
    model.refresh_from_db()
    assert model.succeeded and model.predicts_amount, model.message
    return model


def logged_in_page(browser, live_server, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return context, page


def test_the_task_switch_follows_the_column_and_amount_pages_read_in_grams(
    live_server, browser, amount_model, make_explanation, screenshots
):
    context, page = logged_in_page(browser, live_server, 1280, 900)
    page.goto(f"{live_server.url}/datasets/{amount_model.dataset.pk}/")
    target, model, words = (
        page.locator("select[name=target]"),
        page.locator("select[name=classifier]"),
        page.locator("[data-task-words] strong"),
    )
    switch = page.locator("[data-task-choice]")

    target.select_option("mass_g")  # many different numbers: an amount, no switch
    expect(words).to_have_text("predicting an amount: “mass_g”")
    expect(switch).to_be_hidden()
    assert model.locator("option[value=logistic_regression]").is_disabled()
    assert not model.locator("option[value=linear_regression]").is_disabled()

    target.select_option("stars")  # a 1-5 rating: both make sense, a category first
    expect(switch).to_be_visible()
    expect(words).to_have_text("predicting a category: “stars”")
    assert model.locator("option[value=linear_regression]").is_disabled()
    model.select_option("logistic_regression")
    page.get_by_label("an amount (how much)").check()
    expect(words).to_have_text("predicting an amount: “stars”")
    # Logistic regression cannot learn an amount: the form moves to the first model that can.
    assert model.input_value() != "logistic_regression"
    page.screenshot(path=str(screenshots / "e2e-amount-train-1280.png"), full_page=True)
    context.close()

    explanation = make_explanation(amount_model, row=0, num_samples=500)
    for width, height in ((390, 844), (1280, 800), (1920, 1080)):
        context, page = logged_in_page(browser, live_server, width, height)
        page.goto(f"{live_server.url}/models/{amount_model.pk}/")
        expect(page.locator(".metric-label", has_text="off on average")).to_be_visible()
        chart = page.locator("img[src$='actual-predicted.svg']")
        expect(chart).to_be_visible()
        assert chart.evaluate("e => e.complete && e.naturalWidth > 0"), "the chart must load"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshots / f"e2e-amount-model-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/explanations/{explanation.pk}/")
        expect(page.locator(".verdict .predicted")).to_contain_text(" g")
        expect(page.locator("table.weights")).to_contain_text("adds about")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshots / f"e2e-amount-lime-{width}.png"), full_page=True)
        context.close()

    rule = make_explanation(amount_model, row=0, explainer="anchor", num_samples=500)
    context, page = logged_in_page(browser, live_server, 390, 844)
    page.goto(f"{live_server.url}/explanations/{rule.pk}/")
    expect(page.locator(".rule-then")).to_contain_text("keeps predicting between")
    expect(page.locator(".band-words")).to_contain_text("the usual band")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / "e2e-amount-rule-390.png"), full_page=True)
    context.close()


def test_reading_a_text_the_switch_offers_the_text_models_of_the_task(live_server, browser, make_dataset, user):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    words = rng.choice(["plain", "luxury", "small", "large", "old", "new"], (80, 4))
    frame = pd.DataFrame(
        {
            "description": [" ".join(row) + " room with a view of the old town" for row in words],
            "price_usd": (50 + 40 * (words == "luxury").any(axis=1) + rng.normal(0, 5, 80)).round(2),
        }
    )
    dataset = make_dataset(user, content=csv_bytes(frame), name="rooms.csv")
    context, page = logged_in_page(browser, live_server, 1280, 900)
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/")
    page.locator("select[name=target]").select_option("price_usd")
    model = page.locator("select[name=classifier]")
    page.locator("select[name=text_column]").select_option("")  # from the table's other columns
    assert not model.locator("option[value=gradient_boosting]").is_disabled()
    page.locator("select[name=text_column]").select_option("description")
    expect(page.locator("[data-task-words] strong")).to_have_text("predicting an amount: “price_usd”")
    assert model.locator("option[value=gradient_boosting]").is_disabled()  # no text model of that kind
    assert model.locator("option[value=naive_bayes]").is_disabled()  # categories only
    assert not model.locator("option[value=linear_regression]").is_disabled()
    context.close()
