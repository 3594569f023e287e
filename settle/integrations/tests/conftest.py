"""Helpers for integration tests: connections with known secrets, signed deliveries, real fixtures."""

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client

from settle.core import clock

FIXTURES = Path(__file__).parent / "fixtures"
SHOPIFY_SECRET = "shpss_test_secret"
WOO_SECRET = "woo-test-secret"
STRIPE_SECRET = "whsec_test_secret"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def shopify_headers(
    body: bytes, topic: str, *, secret: str = SHOPIFY_SECRET, webhook_id: str | None = None
) -> dict:
    mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"HTTP_X_SHOPIFY_HMAC_SHA256": mac, "HTTP_X_SHOPIFY_TOPIC": topic,
            "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id or str(uuid.uuid4()),
            "HTTP_X_SHOPIFY_SHOP_DOMAIN": "acme.myshopify.com", "HTTP_X_SHOPIFY_API_VERSION": "2026-07"}  # fmt: skip


def woo_headers(body: bytes, topic: str, *, delivery: str | None = None, secret: str = WOO_SECRET) -> dict:
    mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"HTTP_X_WC_WEBHOOK_SIGNATURE": mac, "HTTP_X_WC_WEBHOOK_TOPIC": topic, "HTTP_X_WC_WEBHOOK_ID": "7",
            "HTTP_X_WC_WEBHOOK_DELIVERY_ID": delivery or uuid.uuid4().hex}  # fmt: skip


def stripe_headers(body: bytes, *, secret: str = STRIPE_SECRET, at: int | None = None) -> dict:
    # Stripe checks the timestamp against the real time (its tolerance), not Settle's clock.
    t = at or int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"HTTP_STRIPE_SIGNATURE": f"t={t},v1={mac}"}


def shopify_order(**changes) -> dict:
    """The real orders/create sample, made into a consistent pending order (the sample is self-contradictory)."""
    order = fixture("shopify-order-webhook.json")
    order.update({"test": False, "cancelled_at": None, "financial_status": "pending", "total_price": "404.95",
                  "current_total_price": "404.95", "total_outstanding": "404.95",
                  "payment_gateway_names": ["Bank Deposit"], "processed_at": "2026-11-20T10:00:00-05:00",
                  "updated_at": "2026-11-20T10:00:00-05:00", "tags": ""})  # fmt: skip
    order.update(changes)
    return order


def woo_order(**changes) -> dict:
    """The real REST v3 order, made on-hold by bank transfer (synthetic status; the sample is 'processing')."""
    order = fixture("woocommerce-order-webhook.json")
    order.update({"status": "on-hold", "date_paid": None, "date_paid_gmt": None,
                  "date_created_gmt": "2026-11-20T10:00:00", "date_modified_gmt": "2026-11-20T10:00:00"})  # fmt: skip
    order.update(changes)
    return order


def stripe_event(name: str, **object_changes) -> dict:
    event = copy.deepcopy(fixture(name))
    event["data"]["object"].update(object_changes)
    return event


@pytest.fixture
def connect(acme):
    from settle.integrations.services import connection_create

    def make(source: str, merchant=None, **kw):
        secret = {"shopify": SHOPIFY_SECRET, "woocommerce": WOO_SECRET, "stripe": STRIPE_SECRET}[source]
        secrets = {"webhook_secret": secret, **kw.pop("secrets", {})}
        return connection_create(merchant=merchant or acme, source=source, account=f"acme-{source}",
                                 secrets=secrets, **kw)  # fmt: skip

    return make


class Hooks:
    """Posts deliveries to the webhook URL and runs the worker's processing job."""

    def __init__(self, merchant):
        self.merchant = merchant
        self.client = Client()

    def post(self, source: str, body: bytes, headers: dict, merchant=None):
        slug = (merchant or self.merchant).slug
        return self.client.post(
            f"/hooks/{source}/{slug}/", data=body, content_type="application/json", **headers
        )

    def shopify(self, topic: str, payload: dict, **kw):
        body = json.dumps(payload).encode()
        return self.post("shopify", body, shopify_headers(body, topic, **kw))

    def woo(self, topic: str, payload: dict, **kw):
        body = json.dumps(payload).encode()
        return self.post("woocommerce", body, woo_headers(body, topic, **kw))

    def stripe(self, event: dict, **kw):
        body = json.dumps(event).encode()
        return self.post("stripe", body, stripe_headers(body, **kw))

    def process(self) -> int:
        from settle.integrations.services import events_process

        return events_process(now=clock.now())


@pytest.fixture
def hooks(acme, frozen_clock):
    return Hooks(acme)
