"""Outbound webhooks: collected from the domain tables, signed, retried with backoff, logged, resendable."""

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from settle.cases.testing import case_for
from settle.core import clock
from settle.core.money import Money
from settle.ledger.services import payment_record, receivable_create
from settle.webhooks_out.models import Delivery, DeliveryAttempt
from settle.webhooks_out.services import (
    deliveries_send,
    delivery_resend,
    endpoint_create,
    events_collect,
    webhook_emit,
)
from settle.webhooks_out.signing import verify


class Receiver:
    def __init__(self):
        self.received = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/settle"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_case_and_payment_facts_are_delivered_signed_once(acme, alice, receiver, frozen_clock):
    endpoint, secret = endpoint_create(merchant=acme, url=receiver.url)
    receivable = receivable_create(merchant=acme, customer=alice, external_id="INV-1", amount=Money(5000, "PLN"),
                                   due_date=date(2026, 11, 20))  # fmt: skip
    case_for(merchant=acme, customer=alice, currency="PLN", opened_at=clock.now())
    payment_record(
        merchant=acme, customer=alice, amount=Money(5000, "PLN"), external_id="p-1", receivable=receivable
    )
    assert events_collect(now=clock.now()) == 3  # case.opened, payment.received, case.closed
    assert events_collect(now=clock.now()) == 0  # collected once
    assert deliveries_send(now=clock.now()) == 3
    types = []
    for headers, body in receiver.received:
        assert verify(secret, body, headers["Settle-Signature"], now=int(clock.now().timestamp()))
        assert not verify("whsec_other", body, headers["Settle-Signature"], now=int(clock.now().timestamp()))
        types.append(json.loads(body)["type"])
    assert sorted(types) == ["case.closed", "case.opened", "payment.received"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_failures_back_off_then_fail_and_resend_delivers(acme, receiver, frozen_clock):
    endpoint_create(merchant=acme, url=receiver.url, events=["promise.made"])
    assert webhook_emit(merchant_id=acme.pk, event_type="promise.made", key="promise.made:1",
                        data={"promise_id": 1, "amount_minor": 100, "currency": "PLN"}) == 1  # fmt: skip
    assert webhook_emit(merchant_id=acme.pk, event_type="case.opened", key="case.opened:1", data={}) == 0
    receiver.status = 500
    delivery = Delivery.objects.get()
    waits = []
    for _ in range(7):
        deliveries_send(now=clock.now())
        delivery.refresh_from_db()
        waits.append(round((delivery.next_attempt_at - clock.now()).total_seconds()))
        frozen_clock.advance(timedelta(days=2))
    assert waits[:6] == [30, 120, 600, 3600, 21600, 86400]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 7, 500)
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 7
    receiver.status = 204
    delivery_resend(delivery=delivery)
    deliveries_send(now=clock.now())
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and DeliveryAttempt.objects.count() == 8


def test_endpoint_pages_show_the_log_and_resend_is_tenant_scoped(
    acme, umbrella, login_as, receiver, frozen_clock
):
    endpoint_create(merchant=acme, url=receiver.url)
    webhook_emit(merchant_id=acme.pk, event_type="plan.created", key="plan.created:9", data={"plan_id": 9})
    delivery = Delivery.objects.get()
    manager = login_as(acme, "manager")
    page = manager.get("/integrations/webhooks/")
    assert page.status_code == 200 and b"plan.created" in page.content
    assert login_as(acme, "collector").get("/integrations/webhooks/").status_code == 403
    assert (
        login_as(umbrella, "owner")
        .post(f"/integrations/webhooks/deliveries/{delivery.pk}/resend/")
        .status_code
        == 404
    )
    created = manager.post(
        "/integrations/webhooks/", {"url": "https://erp.example/hooks", "events": ["case.closed"]}
    )
    assert b"whsec_" in created.content
