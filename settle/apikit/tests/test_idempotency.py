"""Idempotency-Key on POST: replay, conflict, in-flight duplicate, per-merchant scope, purge."""

import json
from datetime import timedelta

import pytest

from settle.apikit.jobs import idempotency_purge
from settle.apikit.models import IdempotencyRecord
from settle.customers.models import Customer

BODY = {"name": "Jan Kowalski", "country": "PL", "external_id": "c-9"}


def post(client, body, key, url="/api/v1/customers/"):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def manager(acme, api_as, frozen_clock):
    return api_as(acme, "manager")


def test_same_key_same_body_replays_the_stored_response(manager, acme):
    first = post(manager, BODY, "k-1")
    # Key order and spacing do not make another request.
    second = manager.post("/api/v1/customers/", json.dumps(dict(reversed(BODY.items())), indent=2),
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert second["Content-Type"] == "application/json; charset=utf-8"
    assert Customer.objects.filter(merchant=acme).count() == 1


def test_same_key_other_body_is_409_and_writes_nothing(manager, acme):
    post(manager, BODY, "k-1")
    response = post(manager, {**BODY, "name": "Someone Else", "external_id": "c-10"}, "k-1")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert list(Customer.objects.filter(merchant=acme).values_list("name", flat=True)) == ["Jan Kowalski"]


def test_same_key_other_path_is_409(manager, acme, alice):
    post(manager, BODY, "k-1")
    response = post(manager, {"kind": "email", "value": "x@example.pl"}, "k-1",
                    url=f"/api/v1/customers/{alice.pk}/contact-points")  # fmt: skip
    assert response.status_code == 409


def test_a_concurrent_duplicate_while_the_first_is_in_flight_is_409(manager, acme, monkeypatch):
    """The first request is still inside the service when its retry arrives: the retry must not run."""
    from settle.customers import services

    real_create = services.customer_create
    seen = {}

    def slow_create(**kwargs):
        seen["retry"] = post(manager, BODY, "k-1")  # arrives while we are still working
        return real_create(**kwargs)

    monkeypatch.setattr(services, "customer_create", slow_create)
    first = post(manager, BODY, "k-1")
    assert first.status_code == 201
    assert seen["retry"].status_code == 409
    assert seen["retry"]["Retry-After"] == "1"
    assert "still being processed" in seen["retry"].json()["detail"]
    assert Customer.objects.filter(merchant=acme).count() == 1
    assert post(manager, BODY, "k-1")["Idempotent-Replayed"] == "true"


def test_keys_are_scoped_per_merchant(manager, api_as, acme, umbrella):
    other = api_as(umbrella, "manager")
    assert post(manager, BODY, "shared-key").status_code == 201
    response = post(other, {**BODY, "name": "Umbrella's Jan"}, "shared-key")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Customer.objects.get(merchant=umbrella).name == "Umbrella's Jan"


def test_errors_are_replayed_too_but_server_errors_are_not_stored(manager, acme, monkeypatch):
    bad = post(manager, {"name": "X", "country": "XX"}, "k-bad")
    assert bad.status_code == 422
    assert post(manager, {"name": "X", "country": "XX"}, "k-bad")["Idempotent-Replayed"] == "true"

    from settle.customers import services

    def broken(**kwargs):
        raise RuntimeError("database fell over")

    monkeypatch.setattr(services, "customer_create", broken)
    crashed = post(manager, BODY, "k-crash")
    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-crash").exists()
    monkeypatch.undo()
    assert post(manager, BODY, "k-crash").status_code == 201


def test_an_abandoned_in_flight_key_can_be_taken_over(manager, acme, frozen_clock):
    from settle.apikit.services import idempotency_claim, request_fingerprint

    fingerprint = request_fingerprint(
        method="POST", path="/api/v1/customers/", body=json.dumps(BODY).encode()
    )
    idempotency_claim(
        merchant=acme, key="k-dead", method="POST", path="/api/v1/customers/", fingerprint=fingerprint
    )
    assert post(manager, BODY, "k-dead").status_code == 409
    frozen_clock.advance(timedelta(minutes=6))
    assert post(manager, BODY, "k-dead").status_code == 201


def test_bad_keys_and_unauthenticated_requests(manager, client, acme):
    response = post(manager, BODY, "x" * 256)
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "Idempotency-Key")
    unauthenticated = post(client, BODY, "k-1")
    assert unauthenticated.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_purge_forgets_keys_after_24_hours(manager, acme, frozen_clock):
    post(manager, BODY, "k-old")
    frozen_clock.advance(timedelta(hours=23))
    post(manager, {**BODY, "external_id": "c-11"}, "k-new")
    frozen_clock.advance(timedelta(hours=1, seconds=1))
    assert idempotency_purge(frozen_clock.now()) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-new"]


def test_purge_job_is_registered_at_order_90():
    from settle.worker.registry import worker_jobs

    assert "settle.apikit.jobs.idempotency_purge" in worker_jobs()
