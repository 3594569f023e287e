"""Tenant isolation and roles, walked over EVERY operation of the live OpenAPI schema.

Routers merged later are walked too: a path parameter with no factory in `ID_FACTORIES` fails the walk (see
settle/apikit/testing.py for how to register one).
"""

import json

import pytest

from settle.apikit.testing import MARKER, WRITE_METHODS, discover_id_factories, operations, path_params, walk
from settle.customers.models import ContactPoint, Customer
from settle.ledger.models import LedgerEntry, Payment, Receivable


@pytest.fixture
def spec(client, db):
    return client.get("/api/v1/openapi.json").json()


def snapshot(merchant):
    """What merchant A has, in enough detail that any write would show."""
    return (
        list(Customer.objects.filter(merchant=merchant).order_by("pk").values_list("pk", "name", "city", "updated_at")),
        list(ContactPoint.objects.filter(merchant=merchant).order_by("pk").values_list("pk", "disabled_at")),
        list(Receivable.objects.filter(merchant=merchant).order_by("pk").values_list("pk", "balance_minor", "status")),
        list(Payment.objects.filter(merchant=merchant).order_by("pk").values_list("pk", "refunded_minor")),
        LedgerEntry.objects.filter(merchant=merchant).count(),
    )  # fmt: skip


def test_every_operation_with_another_merchants_ids_is_404(spec, acme, umbrella, api_as, frozen_clock):
    intruder = api_as(umbrella, "owner")  # the strongest key: roles must not be what stops it
    walked, failures = walk(spec, owner=acme, client=intruder, expect=404, snapshot=lambda: snapshot(acme))
    assert not failures, "merchant B reached merchant A's objects:\n" + "\n".join(failures)
    assert walked >= 14


def test_the_walk_fails_clearly_on_a_path_parameter_without_a_factory(spec, acme, umbrella, api_as):
    factories = {k: v for k, v in discover_id_factories().items() if k != "payment_id"}
    _walked, failures = walk(
        spec, owner=acme, client=api_as(umbrella, "owner"), expect=404, factories=factories
    )
    assert failures
    assert all("no ID_FACTORIES entry for payment_id" in f for f in failures)
    assert (
        "GET /api/v1/payments/{payment_id}: no ID_FACTORIES entry for payment_id; register one" in failures[0]
    )


def test_lists_never_show_another_merchants_rows(spec, acme, umbrella, api_as, frozen_clock):
    factories = discover_id_factories()
    for factory in factories.values():
        factory(acme)
    intruder = api_as(umbrella, "owner")
    listed = 0
    for path, method, operation in operations(spec):
        if method != "get" or path_params(operation):
            continue
        response = intruder.get(path)
        listed += 1
        assert response.status_code == 200, (path, response.content)
        assert MARKER not in response.content.decode(), f"GET {path} shows merchant A's data to merchant B"
    assert listed >= 4


def test_a_viewer_key_gets_403_on_every_write(spec, acme, api_as, frozen_clock):
    viewer = api_as(acme, "viewer")
    walked, failures = walk(
        spec,
        owner=acme,
        client=viewer,
        expect=403,
        methods=WRITE_METHODS,
        snapshot=lambda: snapshot(acme),
        only_with_ids=False,
    )
    assert not failures, "a viewer key could write:\n" + "\n".join(failures)
    assert walked >= 12  # every POST/PATCH, those without path parameters included


def test_a_viewer_key_can_read(acme, alice, api_as):
    viewer = api_as(acme, "viewer")
    assert viewer.get(f"/api/v1/customers/{alice.pk}").status_code == 200
    assert viewer.get("/api/v1/merchant/").status_code == 200


def test_a_collector_cannot_change_merchant_settings(acme, api_as):
    collector = api_as(acme, "collector")
    response = collector.patch("/api/v1/merchant/", json.dumps({"allocation_order": "newest_due_first"}),
                               content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert response.json()["detail"] == "this action needs the manager role"
    acme.refresh_from_db()
    assert acme.allocation_order == "oldest_due_first"


def test_a_collector_records_payments_but_cannot_write_off(acme, alice, api_as, frozen_clock):
    from settle.apikit.testing import make_receivable

    collector = api_as(acme, "collector")
    receivable_id = make_receivable(acme)
    denied = collector.post(
        f"/api/v1/receivables/{receivable_id}/write-off", "{}", content_type="application/json"
    )
    assert denied.status_code == 403
    assert Receivable.objects.get(pk=receivable_id).status == "open"
    paid = collector.post("/api/v1/payments/", json.dumps({
        "customer_id": alice.pk, "external_id": "p-1", "amount_minor": 100, "currency": "PLN",
    }), content_type="application/json")  # fmt: skip
    assert paid.status_code == 201
