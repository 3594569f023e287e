"""A real browser on the work queue: choosing "promise to pay" brings the promise fields (HTMX), recording
swaps the task's row, and the case page explains the promise. Debian's chromium, as in web/tests/test_browser.py.
"""

import pytest


@pytest.fixture
def call_task(transactional_db, acme, alice, owing, task_on, collector):
    """Made before the browser starts (its event loop forbids ORM calls)."""
    case = owing(alice)
    return case, task_on(case)


@pytest.mark.browser
def test_a_collector_records_a_promise_from_the_queue(
    transactional_db, call_task, live_server, browser_page, sign_in
):
    case, task = call_task
    page = browser_page
    sign_in(page, "kasia", "x-Settle-test-1")
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
