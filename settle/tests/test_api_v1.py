"""The REST API v1 end to end: customers, contact points, receivables, payments, refunds, ledger, merchant."""

import json
from datetime import date

import pytest

from settle.core.money import Money
from settle.ledger.models import LedgerEntry, Receivable, ReceivableStatus
from settle.ledger.services import ledger_verify, receivable_create


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def manager(acme, api_as, frozen_clock):
    return api_as(acme, "manager")


def invoice(acme, customer, ext, minor, due):
    return receivable_create(
        merchant=acme, customer=customer, external_id=ext, amount=Money(minor, "PLN"), due_date=due
    )


def test_customer_create_get_patch(manager, acme):
    response = post(manager, "/api/v1/customers/", {
        "name": "Jan Kowalski", "country": "PL", "email": "Jan@Example.PL", "phone": "601 234 567",
        "external_id": "c-9",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["timezone"], body["external_id"]) == ("Jan Kowalski", "Europe/Warsaw", "c-9")
    customer_id = body["id"]
    assert manager.get(f"/api/v1/customers/{customer_id}").json()["country"] == "PL"
    changed = patch(manager, f"/api/v1/customers/{customer_id}", {"city": "Kraków"})
    assert changed.status_code == 200
    assert (changed.json()["city"], changed.json()["name"]) == ("Kraków", "Jan Kowalski")
    points = manager.get(f"/api/v1/customers/{customer_id}/contact-points").json()["items"]
    assert sorted((p["kind"], p["value"]) for p in points) == [
        ("email", "Jan@example.pl"),
        ("phone", "+48601234567"),
    ]


def test_customer_filters(manager, acme, alice, bogdan, globex):
    invoice(acme, bogdan, "INV-B", 5000, date(2026, 11, 1))

    def names(query):
        response = manager.get(f"/api/v1/customers/?{query}")
        assert response.status_code == 200, response.content
        return [c["name"] for c in response.json()["items"]]

    assert names("") == ["Alicja Nowak", "Bogdan Ivanov", "Globex GmbH"]
    assert names("search=nowak") == ["Alicja Nowak"]
    assert names("country=de") == ["Globex GmbH"]
    assert names("kind=business") == ["Globex GmbH"]
    assert names("has_balance=true") == ["Bogdan Ivanov"]
    assert names("has_balance=false") == ["Alicja Nowak", "Globex GmbH"]


def test_cursor_pagination_walks_every_row_once(manager, acme, alice):
    for i in range(7):
        invoice(acme, alice, f"INV-{i}", 1000 + i, date(2026, 11, 1 + i % 3))
    seen, url, pages = [], "/api/v1/receivables/?limit=3", 0
    while url:
        page = manager.get(url).json()
        seen += [r["external_id"] for r in page["items"]]
        url, pages = page["next"], pages + 1
    assert pages == 3
    expected = list(Receivable.objects.order_by("due_date", "id").values_list("external_id", flat=True))
    assert seen == expected
    assert manager.get("/api/v1/receivables/?limit=201").status_code == 422


def test_cursor_is_opaque_and_bound_to_its_list(manager, acme, alice, bogdan):
    invoice(acme, alice, "INV-1", 1000, date(2026, 11, 1))
    invoice(acme, alice, "INV-2", 1000, date(2026, 11, 2))
    cursor = manager.get("/api/v1/receivables/?limit=1").json()["next_cursor"]
    assert cursor
    forged = manager.get("/api/v1/receivables/?cursor=eyJvIjpbXX0")
    assert forged.status_code == 422
    assert forged.json()["errors"] == [{"field": "cursor", "reason": "is not a cursor this API issued"}]
    other = manager.get(f"/api/v1/customers/?cursor={cursor}")
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "cursor"


def test_receivable_lifecycle(manager, acme, alice):
    created = post(manager, "/api/v1/receivables/", {
        "customer_id": alice.pk, "external_id": "INV-7", "amount_minor": 12345, "currency": "pln",
        "due_date": "2026-11-15",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    assert (created.json()["currency"], created.json()["balance_minor"]) == ("PLN", 12345)
    adjusted = post(manager, f"/api/v1/receivables/{rid}/adjust", {"amount_minor": -345, "memo": "discount"})
    assert adjusted.json()["balance_minor"] == 12000
    credited = post(manager, f"/api/v1/receivables/{rid}/credit-notes", {"amount_minor": 2000})
    assert (credited.status_code, credited.json()["balance_minor"]) == (201, 10000)
    written = post(manager, f"/api/v1/receivables/{rid}/write-off", {"memo": "uncollectable"})
    assert (written.json()["status"], written.json()["balance_minor"]) == ("written_off", 0)
    again = post(manager, f"/api/v1/receivables/{rid}/adjust", {"amount_minor": 100, "memo": "late"})
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {"field": "receivable_id", "reason": "is written_off and takes no more corrections"}
    ]
    kinds = list(LedgerEntry.objects.filter(receivable_id=rid).values_list("kind", "amount_minor"))
    assert kinds == [("charge", 12345), ("adjustment", -345), ("credit_note", -2000), ("write_off", -10000)]
    assert ledger_verify(merchant=acme) == []


def test_receivable_cancel_and_filters(manager, acme, alice, bogdan):
    overdue = invoice(acme, alice, "INV-OLD", 5000, date(2026, 11, 1))
    invoice(acme, bogdan, "INV-NEW", 7000, date(2026, 12, 20))
    cancelled = invoice(acme, bogdan, "INV-X", 100, date(2026, 12, 2))
    assert post(manager, f"/api/v1/receivables/{cancelled.pk}/cancel", {}).json()["status"] == "cancelled"

    def ids(query):
        return [r["external_id"] for r in manager.get(f"/api/v1/receivables/?{query}").json()["items"]]

    assert ids("overdue=true") == ["INV-OLD"]
    assert ids("status=open") == ["INV-OLD", "INV-NEW"]
    assert ids(f"customer_id={bogdan.pk}") == ["INV-X", "INV-NEW"]
    assert ids("due_from=2026-12-02&due_to=2026-12-31") == ["INV-X", "INV-NEW"]
    assert ids("currency=EUR") == []
    assert manager.get(f"/api/v1/receivables/{overdue.pk}").json()["balance_minor"] == 5000


def test_payment_allocates_oldest_first_and_refund_reopens(manager, acme, alice):
    older = invoice(acme, alice, "INV-1", 10000, date(2026, 10, 15))
    newer = invoice(acme, alice, "INV-2", 5000, date(2026, 11, 15))
    paid = post(manager, "/api/v1/payments/", {
        "customer_id": alice.pk, "external_id": "pay-1", "amount_minor": 17000, "currency": "PLN",
        "method": "bank_transfer",
    })  # fmt: skip
    assert paid.status_code == 201, paid.content
    payment = paid.json()
    assert payment["allocations"] == [
        {"receivable_id": older.pk, "amount_minor": 10000},
        {"receivable_id": newer.pk, "amount_minor": 5000},
    ]
    assert payment["unallocated_minor"] == 2000
    repeat = post(manager, "/api/v1/payments/", {
        "customer_id": alice.pk, "external_id": "pay-1", "amount_minor": 17000, "currency": "PLN",
    })  # fmt: skip
    assert (repeat.status_code, repeat.json()["id"]) == (200, payment["id"])
    refund = post(
        manager, f"/api/v1/payments/{payment['id']}/refunds", {"amount_minor": 4000, "memo": "return"}
    )
    assert refund.status_code == 201, refund.content
    assert [(e["receivable_id"], e["amount_minor"]) for e in refund.json()["entries"]] == [
        (None, 2000),
        (newer.pk, 2000),
    ]
    assert refund.json()["payment"]["refunded_minor"] == 4000
    newer.refresh_from_db()
    assert (newer.balance_minor, newer.status) == (2000, ReceivableStatus.OPEN)
    listed = manager.get(f"/api/v1/payments/{payment['id']}/refunds").json()["items"]
    assert [e["amount_minor"] for e in listed] == [2000, 2000]
    assert manager.get(f"/api/v1/payments/?customer_id={alice.pk}").json()["items"][0]["allocations"] == [
        {"receivable_id": older.pk, "amount_minor": 10000},
        {"receivable_id": newer.pk, "amount_minor": 3000},
    ]


def test_customer_ledger_has_entries_and_balances(manager, acme, alice):
    invoice(acme, alice, "INV-1", 10000, date(2026, 10, 15))
    post(manager, "/api/v1/payments/", {
        "customer_id": alice.pk, "external_id": "pay-1", "amount_minor": 4000, "currency": "PLN",
    })  # fmt: skip
    body = manager.get(f"/api/v1/customers/{alice.pk}/ledger").json()
    assert [(e["kind"], e["amount_minor"]) for e in body["items"]] == [("charge", 10000), ("payment", -4000)]
    assert body["balances"] == [{"currency": "PLN", "owed_minor": 6000, "credit_minor": 0, "net_minor": 6000}]


def test_contact_points_add_and_disable(manager, alice):
    added = post(
        manager, f"/api/v1/customers/{alice.pk}/contact-points", {"kind": "phone", "value": "+48 512 345 678"}
    )
    assert added.status_code == 201, added.content
    assert added.json()["value"] == "+48512345678"
    point_id = added.json()["id"]
    disabled = post(
        manager, f"/api/v1/customers/{alice.pk}/contact-points/{point_id}/disable", {"reason": "bounced"}
    )
    assert disabled.status_code == 200
    assert disabled.json()["disabled_at"] == "2026-12-01T09:00:00Z"
    assert disabled.json()["last_error"] == "bounced"


def test_merchant_settings_read_and_change(manager, acme):
    assert manager.get("/api/v1/merchant/").json()["default_currency"] == "PLN"
    changed = patch(
        manager, "/api/v1/merchant/", {"allocation_order": "newest_due_first", "locales": ["pl", "de"]}
    )
    assert changed.status_code == 200, changed.content
    acme.refresh_from_db()
    assert (acme.allocation_order, acme.locales) == ("newest_due_first", ["pl", "de"])
    bad = patch(manager, "/api/v1/merchant/", {"timezone": "Mars/Olympus"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "timezone")
