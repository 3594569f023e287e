"""Every error under /api/ is RFC 9457 problem+json naming the field; bad input never half-writes."""

import json
from datetime import date

import pytest

from settle.core.money import Money
from settle.customers.models import ContactPoint, Customer
from settle.ledger.models import LedgerEntry, Payment, Receivable
from settle.ledger.services import receivable_create

PROBLEM = "application/problem+json"


@pytest.fixture
def manager(acme, api_as, frozen_clock):
    return api_as(acme, "manager")


def post(client, url, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def counts():
    return (Customer.objects.count(), ContactPoint.objects.count(), Receivable.objects.count(),
            Payment.objects.count(), LedgerEntry.objects.count())  # fmt: skip


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["type"]) == (status, "about:blank")
    assert body["title"] and body["instance"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
        assert all(e["reason"] for e in body["errors"])
    return body


RECEIVABLE = {"external_id": "INV-1", "amount_minor": 12345, "currency": "PLN", "due_date": "2026-12-15"}


def test_malformed_json(manager, alice):
    before = counts()
    body = assert_problem(
        post(manager, "/api/v1/receivables/", '{"customer_id": 1, "amount_minor": '), 400, "body"
    )
    assert "malformed JSON" in body["errors"][0]["reason"]
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount_minor", "a lot"), ("amount_minor", 12.5), ("due_date", "next tuesday"), ("customer_id", [1]),
     ("external_id", 42)],
)  # fmt: skip
def test_wrong_types(manager, alice, field, value):
    before = counts()
    assert_problem(
        post(manager, "/api/v1/receivables/", {**RECEIVABLE, "customer_id": alice.pk, field: value}),
        422,
        field,
    )
    assert counts() == before


def test_unknown_currency(manager, alice):
    before = counts()
    body = assert_problem(
        post(manager, "/api/v1/receivables/", {**RECEIVABLE, "customer_id": alice.pk, "currency": "XYZ"}),
        422,
        "currency",
    )
    assert "ISO 4217" in body["detail"]
    payment = {"customer_id": alice.pk, "external_id": "p", "amount_minor": 100, "currency": "ZZZ"}
    assert_problem(post(manager, "/api/v1/payments/", payment), 422, "currency")
    assert counts() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [("/api/v1/receivables/", {**RECEIVABLE, "amount_minor": -100}),
     ("/api/v1/receivables/", {**RECEIVABLE, "amount_minor": 0}),
     ("/api/v1/payments/", {"external_id": "p-1", "amount_minor": -5000, "currency": "PLN"})],
)  # fmt: skip
def test_negative_amounts(manager, alice, url, body):
    before = counts()
    assert_problem(post(manager, url, {**body, "customer_id": alice.pk}), 422, "amount_minor")
    assert counts() == before


def test_refund_above_the_payment_names_the_amount(manager, acme, alice):
    paid = post(
        manager,
        "/api/v1/payments/",
        {"customer_id": alice.pk, "external_id": "p-1", "amount_minor": 500, "currency": "PLN"},
    )
    before = counts()
    body = assert_problem(
        post(manager, f"/api/v1/payments/{paid.json()['id']}/refunds", {"amount_minor": 501}),
        422,
        "amount_minor",
    )
    assert "exceeds" in body["detail"]
    assert counts() == before


def test_a_receivable_for_another_merchants_customer(manager, umbrella):
    from settle.customers.services import customer_create

    stranger = customer_create(merchant=umbrella, name="Hans Müller", country="DE")
    before = counts()
    body = assert_problem(
        post(manager, "/api/v1/receivables/", {**RECEIVABLE, "customer_id": stranger.pk}), 422, "customer_id"
    )
    assert (
        body["errors"][0]["reason"] == "no such customer"
    )  # the same words as for an id that does not exist
    payment = {"customer_id": stranger.pk, "external_id": "p", "amount_minor": 100, "currency": "EUR"}
    assert_problem(post(manager, "/api/v1/payments/", payment), 422, "customer_id")
    assert counts() == before


def test_duplicate_external_ids_are_409_naming_the_field(manager, acme, alice):
    receivable_create(
        merchant=acme,
        customer=alice,
        external_id="INV-1",
        amount=Money(100, "PLN"),
        due_date=date(2026, 12, 1),
    )
    before = counts()
    assert_problem(
        post(manager, "/api/v1/receivables/", {**RECEIVABLE, "customer_id": alice.pk}), 409, "external_id"
    )
    assert_problem(
        post(manager, "/api/v1/customers/", {"name": "Another Alice", "external_id": "c-alice"}),
        409,
        "external_id",
    )
    other = post(manager, "/api/v1/customers/", {"name": "Other", "external_id": "c-other"}).json()["id"]
    after_create = counts()
    response = manager.patch(
        f"/api/v1/customers/{other}", json.dumps({"external_id": "c-alice"}), content_type="application/json"
    )
    assert_problem(response, 409, "external_id")
    assert Customer.objects.get(pk=other).external_id == "c-other"
    assert counts() == after_create
    assert after_create[0] == before[0] + 1


def test_customer_validation_names_the_field_and_writes_nothing(manager):
    before = counts()
    assert_problem(post(manager, "/api/v1/customers/", {"name": "X", "phone": "12"}), 422, "phone")
    assert_problem(post(manager, "/api/v1/customers/", {"name": "X", "email": "not-an-email"}), 422, "email")
    assert_problem(
        post(manager, "/api/v1/customers/", {"name": "X", "timezone": "Europe/Atlantis"}), 422, "timezone"
    )
    assert_problem(post(manager, "/api/v1/customers/", {"name": "X\u0000"}), 422, "name")
    assert_problem(post(manager, "/api/v1/customers/", {"country": "PL"}), 422, "name")
    assert counts() == before


def test_errors_outside_ninja_are_problems_too(manager, client, alice):
    assert_problem(manager.get("/api/v1/no-such-thing"), 404)
    assert_problem(manager.get("/api/v2/customers/"), 404)
    not_allowed = assert_problem(manager.delete(f"/api/v1/customers/{alice.pk}"), 405)
    assert "GET" in not_allowed["detail"]
    unauthorized = client.get("/api/v1/customers/")
    assert_problem(unauthorized, 401)
    assert unauthorized["WWW-Authenticate"] == "Bearer"
    assert_problem(manager.get("/api/v1/customers/999999"), 404)
    assert_problem(manager.get("/api/v1/customers/99999999999999999999"), 422, "customer_id")


def test_a_crash_is_a_problem_without_a_traceback(manager, monkeypatch):
    from settle.customers import selectors

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "customer_list", broken)
    body = assert_problem(manager.get("/api/v1/customers/"), 500)
    assert "secret" not in json.dumps(body)
