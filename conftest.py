"""Shared test setup: the database guard and the named personas every test may use.

Personas (STYLE.md habit 9): "acme" the merchant; "alice", a loyal customer in Warsaw late for the first
time; "bogdan", in Moscow, late every month; "globex", a German business customer on net-30.
"""

import os
from datetime import UTC, datetime

import pytest
from django.conf import settings

from settle.core import clock


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return f"settle database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db.get('NAME')}"


def pytest_sessionstart(session):
    if os.environ.get("CI", "").lower() == "true":
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql", (
            "CI must run the suite on PostgreSQL"
        )
        import psycopg

        db = settings.DATABASES["default"]
        try:
            psycopg.connect(
                host=db["HOST"],
                port=db["PORT"] or 5432,
                user=db["USER"],
                dbname="postgres",
                connect_timeout=5,
            ).close()
        except psycopg.OperationalError as exc:  # fail loudly: never skip the database under CI
            pytest.exit(f"CI=true but PostgreSQL is unreachable: {exc}", returncode=3)


NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock():
    with clock.frozen(NOW) as c:
        yield c


@pytest.fixture
def acme(db):
    from settle.merchants.services import merchant_create

    return merchant_create(
        name="Acme Outdoor", slug="acme", country="PL", default_currency="PLN", timezone="Europe/Warsaw"
    )


@pytest.fixture
def umbrella(db):
    """A second tenant, to prove isolation."""
    from settle.merchants.services import merchant_create

    return merchant_create(name="Umbrella Goods", slug="umbrella", country="DE", default_currency="EUR")


@pytest.fixture
def alice(acme):
    from settle.customers.services import customer_create

    return customer_create(
        merchant=acme, name="Alicja Nowak", country="PL", city="Warszawa", locale="pl",
        email="alicja@example.pl", phone="+48 601 234 567", external_id="c-alice", orders_count=12,
    )  # fmt: skip


@pytest.fixture
def bogdan(acme):
    from settle.customers.services import customer_create

    return customer_create(
        merchant=acme, name="Bogdan Ivanov", country="RU", city="Moskva", locale="ru",
        email="bogdan@example.ru", external_id="c-bogdan", orders_count=9,
    )  # fmt: skip


@pytest.fixture
def globex(acme):
    from settle.customers.services import customer_create

    return customer_create(
        merchant=acme, name="Globex GmbH", kind="business", company_name="Globex GmbH", country="DE",
        city="Berlin", locale="de", email="ap@globex.example", external_id="c-globex",
    )  # fmt: skip


@pytest.fixture
def api_as(db):
    """`api_as(merchant, role="manager")` → a test Client whose requests carry that merchant's API key."""
    from django.test import Client

    from settle.merchants.services import api_key_create

    def make(merchant, role="manager"):
        _key, token = api_key_create(merchant=merchant, name=f"test {role}", role=role)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make


@pytest.fixture
def login_as(db):
    """`login_as(merchant, role="owner")` → a test Client logged in as a user with that membership."""
    from django.test import Client

    from settle.merchants.services import user_create_with_membership

    def make(merchant, role="owner"):
        user = user_create_with_membership(
            merchant=merchant, username=f"{merchant.slug}-{role}", password="x-Settle-test-1", role=role
        )
        client = Client()
        client.force_login(user)
        return client

    return make


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page():
    """A page in Debian's chromium (never a downloaded browser). `make test` installs it with apt where it can;
    without it a browser test is skipped locally and fails under CI=true, so CI never passes without it."""
    from pathlib import Path

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
def sign_in(live_server):
    """`sign_in(page, username, password)`: through the login form, until the dashboard has loaded."""

    def go(page, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return go
