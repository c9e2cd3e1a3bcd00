"""A new user's whole journey in headless Chromium, against a live server and a real worker."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, csv_bytes, risk_table

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


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
    chart = page.locator("figure.chart img")
    expect(chart).to_be_visible(timeout=90_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    seconds_to_chart = time.monotonic() - started

    expect(page.get_by_role("heading", name="Why did the model predict this for row 3?")).to_be_visible()
    expect(page.locator(".verdict")).to_contain_text("The model predicts")
    first_reason = page.locator("table.weights tbody tr").first
    expect(first_reason).to_contain_text("age")
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
    page.get_by_label("previous_defaults").select_option("3")
    page.get_by_role("button", name="Explain these values").click()
    expect(page.get_by_role("heading", name="Why did the model predict this for your own values?")).to_be_visible(
        timeout=90_000
    )
    reasons = page.locator("table.weights tbody")
    expect(reasons).to_contain_text("previous_defaults = 3")
    expect(reasons).not_to_contain_text("applicant_id")
    page.screenshot(path=str(screenshots / "e2e-what-if.png"), full_page=True)
