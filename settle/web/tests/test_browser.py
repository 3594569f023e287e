"""A real browser through the merchant app: sign in, read the aging, switch to Polish, search, open a customer.

Drives Debian's chromium (never a downloaded browser). `make test` installs it with apt where it can; without
it the test is skipped locally and fails under CI=true, so CI never passes without having run it.
"""

import pytest


@pytest.fixture
def olga(transactional_db, acme):
    """A collector with a password; created before the browser starts (its event loop forbids ORM calls)."""
    from settle.merchants.services import user_create_with_membership

    return user_create_with_membership(
        merchant=acme, username="olga", password="x-Settle-test-1", role="collector"
    )


@pytest.mark.browser
def test_sign_in_read_aging_switch_to_polish_and_open_a_customer(
    transactional_db, acme, acme_book, olga, live_server, browser_page, sign_in
):
    page = browser_page
    sign_in(page, "olga", "x-Settle-test-1")
    pln = page.locator('.aging[data-currency="PLN"]')
    assert "PLN1,450.00" in pln.locator(".amount").first.inner_text()
    assert pln.get_by_role("columnheader", name="Over 90 days").is_visible()
    assert pln.locator(".agingbar .b-90_plus").is_visible()

    page.get_by_label("Language").select_option("pl")
    page.wait_for_load_state()
    page.get_by_role("heading", name="Ile są winni klienci").wait_for()
    assert page.get_by_role("columnheader", name="Ponad 90 dni").first.is_visible()

    page.get_by_role("link", name="Klienci").click()
    rows = page.locator("#customer-results tbody tr")
    assert rows.count() == 3
    page.get_by_label("Szukaj").fill("bogd")  # HTMX swaps in the matching rows without a page load
    page.wait_for_function("document.querySelectorAll('#customer-results tbody tr').length === 1")
    assert "q=bogd" in page.url
    page.get_by_role("link", name="Bogdan Ivanov").click()
    page.get_by_role("heading", name="Bogdan Ivanov").wait_for()
    assert page.get_by_role("link", name="Zapisz płatność").is_visible()
    assert "B-3" in page.get_by_role("heading", name="Należności").locator("..").inner_text()


@pytest.fixture
def mira(transactional_db, acme, alice):
    """A manager (strategies are a manager's to edit) and a customer to preview for."""
    from settle.merchants.services import user_create_with_membership

    return user_create_with_membership(
        merchant=acme, username="mira", password="x-Settle-test-2", role="manager"
    )


@pytest.mark.browser
def test_strategy_table_editor_adds_a_row_previews_and_saves(
    transactional_db, acme, mira, live_server, browser_page, sign_in
):
    page = browser_page
    sign_in(page, "mira", "x-Settle-test-2")
    page.goto(f"{live_server.url}/strategies/new/")
    page.locator('input[name="name"]').first.fill("Browser ladder")
    page.locator('input[name="s0-key"]').fill("nudge")
    page.locator('input[name="s0-offset_days"]').fill("2")
    page.locator('select[name="s0-channel0"]').select_option("sms")
    page.locator('select[name="s0-channel1"]').select_option("email")
    page.locator('select[name="s0-template_key"]').select_option("reminder_1")
    page.locator('select[name="s0-tone"]').select_option("gentle")
    page.get_by_role("button", name="Preview timeline").click()
    preview = page.locator("#preview")
    preview.get_by_text("Timeline for Alicja Nowak").wait_for()
    assert "sms · reminder_1 · gentle" in preview.inner_text()  # Alicja has a phone: sms first
    page.get_by_role("button", name="Save as a new version").first.click()
    page.get_by_text("Saved as version 1").wait_for()
    assert page.locator('input[name="s0-key"]').input_value() == "nudge"
