"""The whole model at a glance in a real browser, computed by a real worker on the diagnostics queue,
and the downloaded report opened with the network cut off: every section is there (issue 27).

Screenshots (test-artifacts/e2e-report-*.png) at laptop, phone and projector widths, of the page and
of the downloaded file.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, csv_bytes
from tests.web.test_model_report import REPORT_SECTIONS, SECTIONS, two_column_table

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

WIDTHS = {"laptop": (1280, 800), "phone": (390, 844), "projector": (1920, 1080)}


@pytest.fixture
def table_model(make_dataset, user):
    from classifiers import runs, services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    dataset = make_dataset(user, content=csv_bytes(two_column_table()), name="two.csv")
    model = services.model_train_request(dataset=dataset, target="label", classifier="random_forest", dispatch=False)
    job_run(model=TrainedModel, pk=model.pk, work=runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    return model


def logged_in_page(browser, live_server, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return context, page


def refuse_all_but(address: str, route, asked: list[str]) -> None:
    """Let the report file itself load; refuse (and note) any other request, data: URIs aside."""
    url = route.request.url
    if url == address or url.startswith("data:"):
        route.continue_()
    else:
        asked.append(url)
        route.abort()


def test_the_whole_model_page_and_its_report_offline(
    live_server, browser, table_model, start_worker, screenshots, tmp_path
):
    start_worker(("diagnostics",))  # the report job must be routed there, or it never finishes
    context, page = logged_in_page(browser, live_server, *WIDTHS["laptop"])
    page.goto(f"{live_server.url}/models/{table_model.pk}/")
    page.get_by_role("button", name="Look at the whole model").click()
    expect(page.get_by_role("heading", name="The whole model at a glance")).to_be_visible()
    # The page follows the job (progress.js) and shows the sections once the worker is done.
    expect(page.get_by_role("heading", name="What the model relies on most")).to_be_visible(timeout=120_000)

    page.get_by_label("Compare groups of").select_option("group")
    page.get_by_role("button", name="Compare groups").click()
    expect(page.locator("table caption", has_text="Per group of")).to_be_attached(timeout=120_000)
    for heading in SECTIONS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    for image in page.locator("figure.chart img").all():
        image.scroll_into_view_if_needed()
        assert image.evaluate("i => i.complete && i.naturalWidth > 0"), image.get_attribute("src")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["laptop"][0]
    page.screenshot(path=str(screenshots / "e2e-report-page-1280.png"), full_page=True)
    report_url = page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report").click()
    saved = tmp_path / "report.html"
    download_info.value.save_as(saved)
    context.close()

    for name in ("phone", "projector"):
        width, height = WIDTHS[name]
        context, page = logged_in_page(browser, live_server, width, height)
        page.goto(report_url)
        expect(page.get_by_role("heading", name="Where the model is wrong")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(screenshots / f"e2e-report-page-{width}.png"), full_page=True)
        context.close()

    # The file alone, the network cut off and every request refused: each section shows, each chart draws.
    for name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
        asked: list[str] = []
        context.route("**/*", lambda route, asked=asked: refuse_all_but(saved.as_uri(), route, asked))
        page = context.new_page()
        page.goto(saved.as_uri())
        for section in REPORT_SECTIONS:
            expect(page.locator(f"section#{section} h2")).to_be_visible()
        expect(page.locator("section#fairness table")).to_be_visible()
        images = page.locator("img")
        assert images.count() >= 4  # importance and three dependence charts
        for index in range(images.count()):
            assert images.nth(index).evaluate("i => i.complete && i.naturalWidth > 0"), index
        assert [url for url in asked if not url.startswith(("file:", "data:"))] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(screenshots / f"e2e-report-file-{width}.png"), full_page=True)
        context.close()
