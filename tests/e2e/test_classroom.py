"""The classroom experiment in headless Chromium: the instructor starts the snow lesson on a
projector-sized page, a real worker prepares it, two phone-sized browsers vote through the link,
the projector's count follows without a reload, and the reveal reaches the projector and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.test_journey import wait_image

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}


def test_two_phones_vote_and_the_projector_reveals(live_server, start_worker, browser, make_user, screenshots):
    start_worker()
    make_user("teacher")
    projector_context = browser.new_context(viewport=PROJECTOR)
    projector = projector_context.new_page()
    projector.set_default_timeout(30_000)
    projector.goto(live_server.url + "/accounts/login/")
    projector.get_by_label("Username").fill("teacher")
    projector.get_by_label("Password").fill(PASSWORD)
    projector.get_by_role("button", name="Log in").click()

    projector.get_by_role("link", name="Classroom").click()
    projector.get_by_role("button", name="Start “Wolf or husky?” with a class").click()
    # The worker trains both models and explains three pictures with each; the page reloads when done.
    expect(projector.get_by_role("heading", name="Model A")).to_be_visible(timeout=150_000)
    expect(projector.get_by_role("heading", name="Model B")).to_be_visible()
    for picture in projector.locator(".model-column img").all():
        wait_image(picture)
    vote_url = projector.locator("a.vote-url").inner_text()
    assert "/classroom/vote/" in vote_url

    phones = []
    for choice in ("A", "B"):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        phone = context.new_page()
        phone.goto(vote_url)
        expect(phone.get_by_role("button", name=f"I trust model {choice}")).to_be_visible()
        if choice == "A":
            for picture in phone.locator(".model-column img").all():
                wait_image(picture)
            # Nothing is wider than the phone: no sideways scrolling.
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            phone.screenshot(path=str(screenshots / "classroom-phone-vote.png"), full_page=True)
        phone.get_by_role("button", name=f"I trust model {choice}").click()
        expect(phone.get_by_role("status")).to_have_text(
            f"Thank you: you voted for Model {choice}. Watch the projector for the answer."
        )
        phones.append((context, phone))

    # The projector's count moves by itself (it polls every 3 s): one vote each, two in all.
    expect(projector.locator('[data-count="total"]')).to_have_text("2", timeout=15_000)
    expect(projector.locator('strong[data-count="a"]')).to_have_text("1")
    expect(projector.locator('strong[data-count="b"]')).to_have_text("1")
    projector.screenshot(path=str(screenshots / "classroom-projector-vote.png"), full_page=True)

    projector.get_by_role("button", name="Close the vote and show the answer").click()
    answer = projector.locator(".reveal .present-key")
    expect(answer).to_contain_text("was right for the wrong reason: it looked at the snow behind the animal.")
    expect(projector.locator(".reveal-score")).to_have_count(2)
    expect(projector.get_by_text("trained with the give-away")).to_be_visible()
    expect(projector.locator(".leak-warnings li")).to_contain_text("The colour of the picture's border alone")
    projector.screenshot(path=str(screenshots / "classroom-projector-reveal.png"), full_page=True)

    # A phone that voted sees the answer too (its page reloads itself while it waits).
    _, phone = phones[0]
    expect(phone.locator(".reveal .present-key")).to_contain_text("was right for the wrong reason", timeout=15_000)
    expect(phone.get_by_role("button", name="I trust model A")).to_have_count(0)
    for picture in phone.locator(".model-column img").all():
        wait_image(picture)
    phone.screenshot(path=str(screenshots / "classroom-phone-reveal.png"), full_page=True)
    for context, _ in phones:
        context.close()
    projector_context.close()
