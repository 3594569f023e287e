"""Schemathesis fuzzes every operation of the OpenAPI spec: no 5xx, and every response matches its schema.

Bounded and reproducible: 20 derandomized examples per operation, through the real WSGI stack (middleware
included), as a manager key of a merchant with realistic data. Half the generated path ids are replaced by
ids of real objects, so the fuzzer reaches the services, not only the 404 branch.
"""

from datetime import date

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from settle.core.money import Money

EXAMPLES = 20
app = WSGIHandler()
# Examples and fuzzing phases, valid and invalid data; the coverage phase (hundreds of boundary cases per
# operation) would multiply the time by four for little that the invalid-data fuzzing does not already find.
config = schemathesis.Config.from_dict({
    "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})  # fmt: skip
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


@pytest.fixture
def world(acme, alice, bogdan, globex, api_as, frozen_clock):
    """A merchant with receivables, a payment, a refund and contact points: real ids for every path param."""
    from settle.customers.services import contact_point_add
    from settle.ledger.services import payment_record, receivable_create, refund_record

    receivables = [
        receivable_create(merchant=acme, customer=customer, external_id=f"INV-{i}",
                          amount=Money(10000 + i, "PLN"), due_date=date(2026, 10 + i % 3, 1 + i))
        for i, customer in enumerate([alice, bogdan, globex, alice, bogdan])
    ]  # fmt: skip
    payment, _ = payment_record(
        merchant=acme, customer=alice, amount=Money(15000, "PLN"), external_id="pay-1"
    )
    refund_record(payment=payment, amount=Money(1000, "PLN"))
    point = contact_point_add(customer=alice, kind="phone", value="+48 512 345 678")
    # Django closes the connection around each WSGI request; here the test's transaction must survive.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = api_as(acme, "manager")
    yield {
        "headers": {"Authorization": client.defaults["HTTP_AUTHORIZATION"]},
        "ids": {
            "customer_id": [alice.pk, bogdan.pk, globex.pk],
            "receivable_id": [r.pk for r in receivables],
            "payment_id": [payment.pk],
            "contact_point_id": [point.pk],
        },
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, world):
    ids = world["ids"]

    def real(name, value):
        # Two in three generated ids become real ones (deterministically), the rest stay as generated.
        if name in ids and isinstance(value, int) and not isinstance(value, bool) and value % 3 != 1:
            return ids[name][value % len(ids[name])]
        return value

    for name, value in list((case.path_parameters or {}).items()):
        case.path_parameters[name] = real(name, value)
    if "contact_point_id" in (case.path_parameters or {}):
        case.path_parameters["customer_id"] = ids["customer_id"][0]  # the point's own customer
    if isinstance(case.body, dict):
        for name in ("customer_id", "receivable_id"):
            if name in case.body:
                case.body[name] = real(name, case.body[name])
        currency = case.body.get("currency")
        if isinstance(currency, str) and len(currency) == 3 and sum(map(ord, currency)) % 3 != 0:
            case.body["currency"] = "PLN"  # random letters are rarely ISO 4217: let most requests through
    case.call_and_validate(headers=world["headers"], checks=[not_a_server_error, response_schema_conformance])
