"""A real browser on the work queue: choosing "promise to pay" brings the promise fields (HTMX), recording
swaps the task's row, and the case page explains the promise. Debian's chromium, as in web/tests/test_browser.py.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (run `make browser` as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
        page = browser.new_page(locale="en-GB")
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture
def call_task(transactional_db, acme, alice, owing, task_on, collector):
    """Made before the browser starts (its event loop forbids ORM calls)."""
    case = owing(alice)
    return case, task_on(case)


@pytest.mark.browser
def test_a_collector_records_a_promise_from_the_queue(transactional_db, call_task, live_server, browser_page):
    case, task = call_task
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("kasia")
    page.get_by_label("Password").fill("x-Settle-test-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/workdesk/")
    assert page.get_by_label("Promised amount").count() == 0
    page.get_by_label("Outcome").select_option("promise")
    page.get_by_label("Promised amount").fill("60.00")  # waits for HTMX to swap the fields in
    page.get_by_label("Pays by").fill("2026-12-10")
    page.get_by_label("Note").fill("after payday")
    page.get_by_role("button", name="Record").click()
    row = page.locator(f"#task-{task.pk}")
    row.get_by_text("Recorded: Promise to pay.").wait_for()
    assert page.get_by_label("Outcome").count() == 0  # the form went with the swapped row
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_text("kasia recorded a promise to pay 60.00 PLN by 2026-12-10").wait_for()
    assert page.get_by_text("note: after payday").is_visible()
