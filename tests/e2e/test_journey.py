"""A new user's whole journey in headless Chromium, against a live server and a real worker."""

from __future__ import annotations

import math
import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from limelight.explainers.conditions import condition_in_words
from tests.conftest import PASSWORD, SHAPES_IOU_FLOOR, SHAPES_IOU_ROW, csv_bytes, risk_table

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


def wait_image(picture, timeout: float = 60.0) -> None:
    """Wait until an <img> has loaded real pixels, surviving the page's own reloads."""
    expect(picture).to_be_visible(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if picture.evaluate("img => img.complete && img.naturalWidth > 0"):
                return
        except PlaywrightError:  # the page reloaded under us (a job finished): look again
            pass
        time.sleep(0.1)
    raise AssertionError("the image did not load")


def wait_for_trust_checks(page) -> None:
    """The trust checks are a second job: the page reloads itself once when they are done.
    Wait for that, so nothing (a screenshot, say) races the reload."""
    wait_image(page.get_by_role("img", name="Deletion and insertion curves"), timeout=90)
    expect(page.locator("[data-job-status-url]")).to_have_count(0)


def test_sign_up_upload_train_and_explain_a_row(live_server, start_worker, page, tmp_path, screenshots):
    start_worker()
    data = tmp_path / "clinic.csv"
    data.write_bytes(csv_bytes(risk_table()))

    page.goto(live_server.url)
    page.get_by_role("link", name="Get started").click()
    page.get_by_label("Username").fill("nurse")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Log out (nurse)")).to_be_visible()

    page.get_by_label("A CSV file").set_input_files(str(data))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="clinic.csv")).to_be_visible()
    columns = page.locator("table.list").first
    expect(columns.get_by_role("row").filter(has_text="patient_id")).to_contain_text("identifier")
    expect(columns.get_by_role("row").filter(has_text="weight")).to_contain_text("number")
    expect(page.get_by_label("Column to predict")).to_have_value("risk")
    expect(page.get_by_label("Kind of model")).to_have_value("random_forest")
    page.get_by_role("button", name="Train").click()

    # The page follows the worker and shows the hold-out metrics when training ends.
    expect(page.get_by_text("balanced accuracy", exact=True)).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Page 1 of 11 (160 rows)")).to_be_visible()
    row = page.locator("table.rows tbody tr").nth(3)
    expect(row).to_contain_text(re.compile(r"high|low"))

    started = time.monotonic()
    row.get_by_role("button", name="Explain").click()
    wait_image(page.get_by_role("img", name="Bar chart of the reasons"), timeout=90)
    seconds_to_chart = time.monotonic() - started
    wait_for_trust_checks(page)

    expect(page.get_by_role("heading", name="Why did the model predict this for row 4 (1003)?")).to_be_visible()
    expect(page.locator(".verdict")).to_contain_text("The model predicts")
    first_reason = page.locator("table.weights tbody tr").first
    expect(first_reason).to_contain_text("age")
    expect(page.get_by_role("heading", name="How far to trust this explanation")).to_be_visible()
    for name in ("Each reason's average weight", "The top reasons' weights", "Deletion and insertion curves"):
        wait_image(page.get_by_role("img", name=name))
    page.screenshot(path=str(screenshots / "e2e-explanation.png"), full_page=True)
    print(f"Explain click -> chart visible: {seconds_to_chart:.2f} s")


def test_demo_table_what_if_values_and_the_loan_rule(live_server, start_worker, page, screenshots):
    """An instructor's path: one-click demo, train, change one value of a row, explain it."""
    start_worker()
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Username").fill("teacher")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    page.locator("form.demo").filter(has_text="Loan applications").get_by_role("button").click()
    expect(page.get_by_label("Column to predict")).to_have_value("approved")
    expect(page.locator("table.list").filter(has_text="applicant_id").first).to_contain_text("identifier")
    page.get_by_label("Kind of model").select_option("logistic_regression")
    expect(page.locator("[data-classifier=logistic_regression]")).to_be_visible()
    expect(page.locator("[data-classifier=random_forest]")).to_be_hidden()
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("macro F1", exact=True)).to_be_visible(timeout=90_000)

    page.get_by_label("Wrong predictions only").check()
    page.get_by_role("button", name="Show rows").click()
    expect(page.locator("table.rows tbody tr.wrong").first).to_be_visible()

    page.locator("table.rows tbody tr").first.get_by_role("link", name="What if…").click()
    page.locator("select[name^=value_]").and_(page.get_by_label("previous_defaults")).select_option("3")
    page.get_by_role("button", name="Explain these values").click()
    expect(page.get_by_role("heading", name="Why did the model predict this for your own values?")).to_be_visible(
        timeout=90_000
    )
    reasons = page.locator("table.weights tbody")
    expect(reasons).to_contain_text("previous_defaults is 3")  # the condition read as a phrase
    expect(reasons).not_to_contain_text("applicant_id")
    wait_for_trust_checks(page)
    page.screenshot(path=str(screenshots / "e2e-what-if.png"), full_page=True)


def test_a_shared_link_opens_on_a_phone_without_an_account(
    live_server, start_worker, browser, page, screenshots, make_trained_model, make_explanation, user
):
    """The owner shares a result; a student opens the link on a 390-px-wide phone, logged out."""
    start_worker()
    explanation = make_explanation(make_trained_model(user), row=5)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/explanations/{explanation.pk}/")
    page.get_by_label("Which row it is: row 6").check()  # off by default: the link would say "this row"
    page.get_by_role("button", name="Create a share link").click()
    url = page.get_by_label("Share link").input_value()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    student = phone.new_page()
    response = student.goto(url)
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    expect(student.get_by_role("heading", name="Why did the model predict this for row 6 (1005)?")).to_be_visible()
    expect(student.get_by_role("img", name="Bar chart of the reasons")).to_be_visible()
    expect(student.get_by_text("My data")).to_have_count(0)
    width = student.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    student.screenshot(path=str(screenshots / "e2e-shared-phone.png"), full_page=True)
    phone.close()


def test_images_train_and_see_the_regions(live_server, start_worker, page, screenshots, tmp_path):
    """Upload a ZIP of pictures (then the shapes demo), train, explain one image: overlay and IoU."""
    from limelight.images.demos import demo_archive_bytes

    start_worker()
    archive = tmp_path / "my shapes.zip"
    archive.write_bytes(demo_archive_bytes(seed=1, per_class=4))
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Username").fill("photographer")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_label("A CSV file, an Excel workbook or a ZIP of images").set_input_files(str(archive))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="squares (4 images)")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="My data").click()
    page.locator("form.demo").filter(has_text="Shapes").get_by_role("button").click()
    expect(page.get_by_role("heading", name="circles (40 images)")).to_be_visible()
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("balanced accuracy", exact=True)).to_be_visible(timeout=90_000)
    page.get_by_text("Advanced settings").click()
    page.get_by_label("How the image is cut into regions").select_option("slic")
    page.get_by_label("Similar cases to try").fill("400")
    # Row 3, a circle on which the top regions should find the shape (see SHAPES_IOU_FLOOR's measurements).
    page.locator(f'table.rows button[name="row"][value="{SHAPES_IOU_ROW}"]').click()
    wait_image(page.get_by_role("img", name="The same image with the 5 most important regions outlined"), timeout=90)
    iou = page.locator("p.notice").filter(has_text="intersection-over-union").locator("strong")
    expect(iou).to_be_visible()
    assert float(iou.inner_text()) >= SHAPES_IOU_FLOOR, f"the top regions miss the shape (IoU {iou.inner_text()})"
    wait_for_trust_checks(page)
    page.screenshot(path=str(screenshots / "e2e-image.png"), full_page=True)


def test_a_review_is_explained_by_highlighted_words_and_markup_stays_text(
    live_server, start_worker, page, screenshots, tmp_path
):
    """Text: a CSV of reviews with markup in one of them; train on the text; the deciding words light up."""
    from limelight.text.demos import text_demo_frame
    from tests.conftest import csv_bytes

    start_worker()
    frame = text_demo_frame().head(300).copy()
    frame.loc[1, "review"] = "<script>alert(1)</script> " + frame.loc[1, "review"] + " <img src=x onerror=alert(2)>"
    data = tmp_path / "reviews.csv"
    data.write_bytes(csv_bytes(frame))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Username").fill("critic")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_label("A CSV file, an Excel workbook or a ZIP of images").set_input_files(str(data))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_label("Predict from")).to_have_value("review")
    page.get_by_label("Kind of model").select_option("logistic_regression")
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("balanced accuracy", exact=True)).to_be_visible(timeout=90_000)
    page.locator("table.rows tbody tr").nth(1).get_by_role("button", name="Explain").click()
    text = page.locator("blockquote.highlighted-text")
    expect(text).to_be_visible(timeout=90_000)
    expect(text).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
    strongest = {word.lower() for word in text.locator("mark.hl-pos-4").all_inner_texts()}
    assert strongest and strongest <= {"wonderful", "delightful", "great", "excellent", "superb", "charming"}
    assert dialogs == []
    page.screenshot(path=str(screenshots / "e2e-text.png"), full_page=True)


def test_an_anchors_rule_says_what_it_rests_on_at_laptop_phone_and_projector_sizes(
    live_server, browser, make_trained_model, make_explanation, user, screenshots
):
    """The rule, its interval and its support in words, readable at every size without sideways scrolling."""
    explanation = make_explanation(make_trained_model(user), row=3, explainer="anchor")
    result = explanation.result
    for name, width, height in (("laptop", 1366, 768), ("phone", 390, 844), ("projector", 1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/explanations/{explanation.pk}/")
        rule = page.locator("section.rule-card")
        expect(rule).to_contain_text(condition_in_words(result["rule"][0]))  # read as a phrase
        low, high = math.floor(100 * result["precision_low"]), math.ceil(100 * result["precision_high"])
        expect(rule).to_contain_text(f"Holds for {low}% to {high}%")
        expect(rule).to_contain_text(f"checked on {result['support']:,}")
        width_used = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)",
            width,
        )
        assert width_used <= width, f"the page scrolls sideways at {width} px ({width_used} px): {wide}"
        rule.screenshot(path=str(screenshots / f"e2e-anchor-{name}.png"))
        context.close()


CHART_TEXT_SIZES = r"""async () => {
  // Each chart is an SVG <img>: the page draws it at the img's width, so each <text> shows at its
  // font size (in the SVG's own units) times the img's width over the SVG's viewBox width.
  const sizes = [];
  for (const img of document.querySelectorAll('figure.chart img, .present-chart img')) {
    if (!img.currentSrc || !img.getBoundingClientRect().width) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(img.currentSrc)).text(), 'image/svg+xml')
      .documentElement;
    const scale = img.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll('text')) {
      const size = parseFloat(/font-size:\s*([\d.]+)px/.exec(text.getAttribute('style') || '')?.[1]);
      sizes.push([img.alt.slice(0, 30), text.textContent.slice(0, 30), Math.round(size * scale * 10) / 10]);
    }
  }
  return sizes;
}"""


def test_pages_at_phone_laptop_and_projector_sizes(
    live_server, browser, make_trained_model, make_explanation, user, screenshots
):
    """Issue 17's pages: the row picker (numbers from 1, search), the kind of answer up front,
    chart text >= 11 px on a phone, side by side with every picture loaded, the gallery's thumbnails."""
    from explanations.models import ShareLink

    model = make_trained_model(user)
    other = make_trained_model(user, classifier="logistic_regression")
    first = make_explanation(model, row=4, num_samples=300)
    second = make_explanation(other, row=4, num_samples=300)
    ShareLink.objects.create(explanation=first, created_by=user, is_gallery=True)
    ShareLink.objects.create(model=model, created_by=user, is_gallery=True)
    for name, width, height in (("phone", 390, 844), ("laptop", 1280, 800), ("projector", 1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        page.goto(f"{live_server.url}/models/{model.pk}/")
        expect(page.locator("fieldset.explainer-choice")).to_be_visible()  # not folded away
        expect(page.get_by_label("Both, side by side")).to_be_visible()
        rows = page.locator("table.rows tbody tr")
        expect(rows.first.locator("td.num")).to_have_text("1")
        page.get_by_label("Search").fill("1007")
        page.get_by_label("In column").select_option("patient_id")
        page.get_by_role("button", name="Show rows").click()
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td.num")).to_have_text("8")  # patient 1007 is the 8th row of the file
        scroller = page.locator("table.rows").locator("xpath=..")
        assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth || getComputedStyle(e).overflowX == 'auto'")
        page.screenshot(path=str(screenshots / f"e2e-pages-rows-{name}.png"), full_page=True)

        page.goto(f"{live_server.url}/explanations/{first.pk}/")
        wait_image(page.get_by_role("img", name="Deletion and insertion curves"))
        sizes = page.evaluate(CHART_TEXT_SIZES)
        assert len(sizes) > 20
        assert all(isinstance(s[2], float | int) and s[2] > 0 for s in sizes), sizes[:3]  # measured, not NaN
        small = [s for s in sizes if s[2] < 11]
        assert not small, f"chart text below 11 px at {width} px: {small[:5]}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshots / f"e2e-pages-explanation-{name}.png"), full_page=True)

        page.goto(f"{live_server.url}/explanations/compare/{first.pk}/{second.pk}/")
        pictures = page.locator("img")
        expect(pictures.nth(7)).to_be_visible()  # per side: the chart and three trust charts
        for index in range(pictures.count()):
            wait_image(pictures.nth(index), timeout=20)  # naturalWidth > 0: none is broken
        page.screenshot(path=str(screenshots / f"e2e-pages-compare-{name}.png"), full_page=True)

        page.goto(f"{live_server.url}/gallery/")
        expect(page.get_by_role("heading", name="Demo gallery")).to_be_visible()
        expect(page.get_by_text("A shared result")).to_have_count(0)
        thumbnails = page.locator("img.gallery-thumb")
        expect(thumbnails).to_have_count(2)
        for index in range(2):
            wait_image(thumbnails.nth(index), timeout=20)
        page.screenshot(path=str(screenshots / f"e2e-pages-gallery-{name}.png"), full_page=True)
        context.close()
