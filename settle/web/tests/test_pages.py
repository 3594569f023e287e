"""The merchant app's pages: what each shows and what each form writes (issue 3, item 7)."""

from __future__ import annotations

import re

from settle.ledger.models import Payment, Receivable
from settle.merchants.models import ApiKey


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_dashboard_shows_totals_and_aging_buckets_per_currency(acme, acme_book, login_as):
    response = login_as(acme, "viewer").get("/")
    assert response.status_code == 200
    aging = response.context["aging"]
    eur, pln = aging  # sorted by currency code
    assert (pln.currency, pln.outstanding.minor, pln.overdue.minor) == ("PLN", 145_000, 135_000)
    assert {k: v.minor for k, v in pln.buckets.items()} == {
        "current": 10_000, "1_30": 20_000, "31_60": 30_000, "61_90": 40_000, "90_plus": 45_000,
    }  # fmt: skip
    assert (eur.currency, eur.overdue.minor) == ("EUR", 123_456)
    text = _text(response)
    assert "PLN1,450.00" in text and "€1,234.56" in text
    assert "31–60 days" in text and "Over 90 days" in text
    assert "Bogdan Ivanov" in text  # latest payments


def test_dashboard_formats_money_in_the_readers_language(acme, acme_book, login_as):
    client = login_as(acme, "viewer")
    text = _text(client.get("/", HTTP_ACCEPT_LANGUAGE="pl"))
    assert "1450,00zł" in text.replace("\xa0", "").replace(" ", "")
    assert "Zaległe" in text and "Ponad 90 dni" in text


def test_customer_list_searches_filters_and_paginates(acme, acme_book, login_as):
    from settle.customers.services import customer_create

    for n in range(55):
        customer_create(merchant=acme, name=f"Zed {n:02d}", country="GB", external_id=f"z{n}")
    client = login_as(acme, "viewer")
    page1 = client.get("/customers/")
    assert page1.context["page"].paginator.count == 58
    assert len(page1.context["page"]) == 50
    assert [c.name for c in client.get("/customers/?page=2").context["page"]][-1] == "Zed 54"
    assert [c.name for c in client.get("/customers/?q=bogd").context["page"]] == ["Bogdan Ivanov"]
    assert [c.name for c in client.get("/customers/?kind=business").context["page"]] == ["Globex GmbH"]
    assert len(client.get("/customers/?country=gb").context["page"].object_list) == 50
    owing = client.get("/customers/?owing=1").context["page"]
    assert [(c.name, c.open_count, c.overdue_count) for c in owing] == [
        ("Alicja Nowak", 2, 1), ("Bogdan Ivanov", 3, 3), ("Globex GmbH", 1, 1),
    ]  # fmt: skip
    partial = client.get("/customers/?q=glob", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "Globex GmbH" in partial.content.decode()


def test_customer_page_shows_balances_receivables_timeline_and_contacts(acme, acme_book, bogdan, login_as):
    response = login_as(acme, "viewer").get(f"/customers/{bogdan.pk}/")
    assert response.status_code == 200
    [balance] = response.context["balances"]
    assert (balance.currency, balance.owed.minor, balance.credit.minor) == ("PLN", 115_000, 0)
    text = _text(response)
    assert "bogdan@example.ru" in text
    assert all(n in text for n in ("B-1", "B-2", "B-3"))
    assert [e.kind for e in response.context["entries"]] == ["payment", "charge", "charge", "charge"]
    assert "Record a payment" not in text  # a viewer sees no write action


def test_receivable_page_lists_its_entries(acme, acme_book, login_as):
    receivable = acme_book["B-3"]
    response = login_as(acme, "viewer").get(f"/receivables/{receivable.pk}/")
    assert [(e.kind, e.amount_minor) for e in response.context["entries"]] == [
        ("charge", 50_000),
        ("payment", -5_000),
    ]
    assert "PLN450.00" in _text(response)


def test_collector_records_a_payment_once(acme, acme_book, alice, login_as):
    client = login_as(acme, "collector")
    for language in ("en", "pl", "de"):  # <input type="date"> only takes ISO dates, in every language
        page = client.get(f"/customers/{alice.pk}/payments/new/", HTTP_ACCEPT_LANGUAGE=language)
        assert 'type="date" value="2026-12-01"' in page.content.decode().replace('name="received_on" ', "")
    form = {"amount": "250.00", "currency": "PLN", "received_on": "2026-11-30", "method": "bank transfer",
            "reference": "PKO-77", "receivable": ""}  # fmt: skip
    response = client.post(f"/customers/{alice.pk}/payments/new/", form)
    assert response.status_code == 302 and response.url == f"/customers/{alice.pk}/"
    payment = Payment.objects.get(merchant=acme, external_id="PKO-77")
    assert (payment.amount_minor, payment.source, payment.unallocated_minor) == (25_000, "settle", 0)
    # Oldest due first: A-2 (due 20 Nov) is paid in full, A-1 gets the remaining 50.00.
    assert Receivable.objects.get(pk=acme_book["A-2"].pk).status == "paid"
    assert Receivable.objects.get(pk=acme_book["A-1"].pk).balance_minor == 5_000
    client.post(f"/customers/{alice.pk}/payments/new/", form)  # the same reference again
    assert Payment.objects.filter(merchant=acme, external_id="PKO-77").count() == 1


def test_payment_form_rejects_bad_input_without_writing(acme, acme_book, alice, login_as):
    client = login_as(acme, "collector")
    url = f"/customers/{alice.pk}/payments/new/"
    base = {"currency": "PLN", "received_on": "2026-11-30", "reference": "R-1"}
    for bad, field in [({"amount": "1.234"}, "amount"), ({"amount": "0"}, "amount"),
                       ({"amount": "10", "received_on": "2027-01-01"}, "received_on"),
                       ({"amount": "10", "currency": "XXX"}, "currency")]:  # fmt: skip
        response = client.post(url, {**base, **bad})
        assert response.status_code == 200, bad
        assert field in response.context["form"].errors, (bad, response.context["form"].errors)
    assert not Payment.objects.filter(merchant=acme, external_id="R-1").exists()


def test_manager_changes_settings_through_the_service(acme, login_as):
    client = login_as(acme, "manager")
    assert client.get("/settings/").status_code == 200
    data = {"name": "Acme Outdoor Sp. z o.o.", "timezone": "Europe/Berlin", "default_currency": "eur",
            "allocation_order": "newest_due_first"}  # fmt: skip
    assert client.post("/settings/", data).status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.timezone, acme.default_currency, acme.allocation_order) == (
        "Acme Outdoor Sp. z o.o.", "Europe/Berlin", "EUR", "newest_due_first",
    )  # fmt: skip
    response = client.post("/settings/", {**data, "name": "Other", "default_currency": "ABC"})
    assert "default_currency" in response.context["form"].errors
    acme.refresh_from_db()
    assert acme.name == "Acme Outdoor Sp. z o.o."  # nothing half-written


def test_merchant_settings_update_names_the_bad_field(acme):
    import pytest

    from settle.customers.validation import FieldError
    from settle.merchants.services import merchant_settings_update

    for kwargs, field in [({"timezone": "Mars/Olympus"}, "timezone"), ({"default_currency": "ZZZ"}, "default_currency"),
                          ({"allocation_order": "random"}, "allocation_order"), ({"name": " "}, "name")]:  # fmt: skip
        with pytest.raises(FieldError) as error:
            merchant_settings_update(merchant=acme, name="Changed", **{k: v for k, v in kwargs.items() if k != "name"}
                                     ) if "name" not in kwargs else merchant_settings_update(merchant=acme, **kwargs)  # fmt: skip
        assert error.value.field == field
    acme.refresh_from_db()
    assert acme.name == "Acme Outdoor"


def test_owner_creates_a_key_shown_once_and_revokes_it(acme, login_as):
    from settle.merchants.services import api_key_authenticate

    owner = login_as(acme, "owner")
    response = owner.post("/settings/api-keys/", {"name": "Shop sync", "role": "collector"})
    token = response.context["token"]
    assert token.startswith("sk_") and token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get(merchant=acme, name="Shop sync")
    assert key.role == "collector" and token not in owner.get("/settings/api-keys/").content.decode()
    assert api_key_authenticate(token) == key
    assert owner.post(f"/settings/api-keys/{key.pk}/revoke/").status_code == 302
    assert api_key_authenticate(token) is None
    assert login_as(acme, "manager").get("/settings/api-keys/").status_code == 403


def test_the_stylesheet_and_htmx_are_served(client, db):
    from django.contrib.staticfiles import finders

    for name in ("settle/settle.css", "settle/htmx-2.0.11.min.js"):
        assert finders.find(name), f"{name} is not found by the static files finders"


def test_navigation_marks_one_page_and_hides_what_the_role_cannot_use(acme, login_as):
    owner = login_as(acme, "owner")
    items = owner.get("/settings/api-keys/").context["nav_items"]
    assert [(i["label"], i["active"]) for i in items if i["active"]] == [("API keys", True)]
    labels = [str(i["label"]) for i in login_as(acme, "viewer").get("/").context["nav_items"]]
    assert "Dashboard" in labels and "Customers" in labels
    assert "Settings" not in labels and "API keys" not in labels


def test_country_filter_offers_each_country_once(acme, acme_book, login_as):
    from settle.customers.services import customer_create

    customer_create(merchant=acme, name="Zofia Nowak", country="PL", external_id="z-1")
    assert login_as(acme, "viewer").get("/customers/").context["countries"] == ["DE", "PL", "RU"]


def test_list_pages_do_not_query_per_row(acme, acme_book, login_as, django_assert_max_num_queries):
    from settle.customers.services import customer_create

    for n in range(30):
        customer_create(
            merchant=acme, name=f"Row {n}", country="DE", email=f"r{n}@example.org", external_id=f"r{n}"
        )
    client = login_as(acme, "viewer")
    client.get("/")  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get("/customers/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


def test_dashboard_buckets_link_to_the_customers_in_them(acme, acme_book, login_as):
    client = login_as(acme, "viewer")
    assert "/customers/?aging=61_90&amp;currency=PLN" in client.get("/").content.decode()
    names = {
        (bucket, currency): [c.name for c in client.get(f"/customers/?aging={bucket}&currency={currency}").context["page"]]
        for bucket, currency in [("current", "PLN"), ("1_30", "PLN"), ("61_90", "PLN"), ("90_plus", "PLN"),
                                 ("1_30", "EUR"), ("31_60", "EUR")]
    }  # fmt: skip
    assert names == {
        ("current", "PLN"): ["Alicja Nowak"], ("1_30", "PLN"): ["Alicja Nowak"], ("61_90", "PLN"): ["Bogdan Ivanov"],
        ("90_plus", "PLN"): ["Bogdan Ivanov"], ("1_30", "EUR"): ["Globex GmbH"], ("31_60", "EUR"): [],
    }  # fmt: skip
