"""Two real connections: a duplicate arriving while the first request is running is refused, not run."""

import json
import threading

import pytest
from django.db import connection

from settle.customers.models import Customer

BODY = {"name": "Jan Kowalski", "country": "PL", "external_id": "c-9"}


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_from_another_connection_while_in_flight_is_409(api_as, monkeypatch):
    from settle.customers import services
    from settle.merchants.services import merchant_create

    acme = merchant_create(name="Acme Outdoor", slug="acme", country="PL", default_currency="PLN")
    client = api_as(acme, "manager")
    real_create = services.customer_create
    inside, release = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        inside.set()
        assert release.wait(10)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "customer_create", slow_create)
    results = {}

    def first():
        try:
            results["first"] = client.post("/api/v1/customers/", json.dumps(BODY), content_type="application/json",
                                           HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    duplicate = client.post("/api/v1/customers/", json.dumps(BODY), content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip
    release.set()
    thread.join(10)
    assert duplicate.status_code == 409
    assert duplicate["Retry-After"] == "1"
    assert results["first"].status_code == 201
    assert Customer.objects.filter(merchant=acme).count() == 1
    replay = client.post("/api/v1/customers/", json.dumps(BODY), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == results["first"].json()
