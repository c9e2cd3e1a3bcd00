"""“What would change it” in a real browser (issue 26): the ways and the before/after table read at
phone, laptop and projector widths without sideways scrolling, and one click opens a way in “what if”
with its values filled in (screenshots in test-artifacts/). The risk table's class is "high" exactly
when age > 50, so the one way for a younger "low" case is age 51."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, risk_table

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def logged_in_page(browser, live_server, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return context, page


def test_the_ways_read_at_every_width_and_one_opens_in_what_if(
    live_server, browser, user, make_trained_model, make_explanation, screenshots
):
    table = risk_table()
    row = int(table.index[(table["age"] >= 30) & (table["age"] <= 45)][0])
    model = make_trained_model(user, classifier="decision_tree")
    explanation = make_explanation(model, row=row, explainer="counterfactual")
    for width, height in ((390, 844), (1280, 800), (1920, 1080)):
        context, page = logged_in_page(browser, live_server, width, height)
        page.goto(f"{live_server.url}/explanations/{explanation.pk}/")
        expect(page.locator(".counterfactuals .ways")).to_contain_text(
            f"If age were 51 instead of {table.loc[row, 'age']}, the model would say “high”"
        )
        expect(page.locator("table.before-after td.changed mark")).to_have_text("51")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshots / f"e2e-counterfactual-{width}.png"), full_page=True)
        if width == 1280:
            page.get_by_role("link", name="Open it in “what if”").click()
            expect(page.get_by_role("spinbutton", name="age")).to_have_value("51")
            expect(page.get_by_role("combobox", name="smoker")).to_have_value(str(table.loc[row, "smoker"]))
        context.close()
