"""The row picker in a real browser: on a wide file Explain stays on screen, on a phone each row is a card."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, csv_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


def wide_table(rows: int = 60, seed: int = 3) -> pd.DataFrame:
    """Thirteen columns, the class decided by `m0` alone (m0 > 0 -> "yes"), wide enough that a
    table of every column runs far past a 1280-px screen."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"sample_id": np.arange(5000, 5000 + rows)})
    for column in range(11):
        frame[f"m{column}"] = rng.normal(0, 1, rows).round(3)
    frame["outcome"] = np.where(frame["m0"] > 0, "yes", "no")
    return frame


@pytest.fixture
def wide_model(make_dataset, user):
    from classifiers import runs, services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    dataset = make_dataset(user, content=csv_bytes(wide_table()), name="wide.csv")
    model = services.model_train_request(dataset=dataset, target="outcome", classifier="random_forest", dispatch=False)
    job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def open_model_page(browser, live_server, model, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/models/{model.pk}/")
    expect(page.locator("table.rows tbody tr").first).to_be_visible()
    return context, page


def test_explain_stays_on_screen_on_a_wide_file_and_a_phone_shows_one_card_per_row(
    live_server, browser, wide_model, screenshots
):
    # 1280 px: the table is wider than the screen, yet the first Explain is on it, before and after
    # scrolling the table as far right as it goes.
    context, page = open_model_page(browser, live_server, wide_model, 1280, 800)
    scroller = page.locator("div.scroll").filter(has=page.locator("table.rows"))
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth"), "13 columns should not fit in 1000 px"
    explain = page.locator("table.rows tbody tr").first.get_by_role("button", name="Explain")
    box = explain.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_timeout(100)
    shifted, frame = explain.bounding_box(), scroller.bounding_box()
    assert frame["x"] <= shifted["x"] and shifted["x"] + shifted["width"] <= min(1280, frame["x"] + frame["width"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    scroller.evaluate("e => { e.scrollLeft = 0; }")
    page.screenshot(path=str(screenshots / "e2e-rows-1280.png"), full_page=True)
    context.close()

    # 390 px: one card per row, each with its Explain in view and no sideways scrolling at all.
    context, page = open_model_page(browser, live_server, wide_model, 390, 844)
    rows = page.locator("table.rows tbody tr")
    assert rows.count() == 15
    for index in range(rows.count()):
        row = rows.nth(index)
        assert row.evaluate("e => getComputedStyle(e).display") in ("block", "grid")  # a card, not a table row
        box = row.get_by_role("button", name="Explain").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (index, box)
        card = row.bounding_box()
        assert card["x"] >= 0 and card["x"] + card["width"] <= 390, (index, card)
    first = rows.first
    expect(first.locator("td[data-label='m10']")).to_be_visible()  # the last value is on the card too
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / "e2e-rows-390.png"), full_page=True)
    context.close()

    context, page = open_model_page(browser, live_server, wide_model, 1920, 1080)
    box = page.locator("table.rows tbody tr").first.get_by_role("button", name="Explain").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1920, box
    page.screenshot(path=str(screenshots / "e2e-rows-1920.png"), full_page=True)
    context.close()
