"""Backfill and reconcile: pull existing unpaid orders / invoices from the source's API.

Each fetched object is stored as an `InboundEvent` (delivery id `poll:<id>:<version>`, so a re-pull of an
unchanged object adds nothing) and processed by the same code as webhooks, with the same stale-event guard.
The cursor is saved on the connection after every page, so an interrupted backfill resumes where it stopped.
Vendors' rate limits are honoured: Shopify GraphQL cost throttling (wait for the bucket to refill), WooCommerce
`X-WP-TotalPages` paging (and 429 Retry-After), Stripe list auto-paging through the SDK (which retries 429s).
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

from django.conf import settings

from settle.core import clock

from .models import Connection, InboundEvent
from .secrets_box import unseal
from .stripe.plugin import TOPICS as STRIPE_TOPICS

log = logging.getLogger("settle.integrations")
TIMEOUT_SECONDS = 15
SHOPIFY_API_VERSION = "2026-07"
SHOPIFY_QUERY = """query Receivables($cursor: String, $q: String!) {
  orders(first: 50, after: $cursor, sortKey: UPDATED_AT, query: $q) {
    pageInfo { hasNextPage endCursor }
    nodes { legacyResourceId name createdAt processedAt updatedAt cancelledAt test email displayFinancialStatus
      currencyCode paymentGatewayNames tags
      totalOutstandingSet { shopMoney { amount currencyCode } }
      currentTotalPriceSet { shopMoney { amount currencyCode } }
      billingAddress { countryCodeV2 provinceCode city }
      customer { legacyResourceId firstName lastName locale defaultEmailAddress { emailAddress } }
      paymentTerms { id paymentTermsName paymentTermsType dueInDays
        paymentSchedules(first: 10) { nodes { dueAt issuedAt completedAt } } } } } }"""


UNPAID_QUERY = "financial_status:pending OR financial_status:partially_paid OR financial_status:authorized"
UNPAID_STATUSES = "pending,on-hold,failed,processing"


class Interrupted(Exception):
    """Raised by tests (and by a shutting-down worker) between pages; the cursor is already saved."""


def _store(
    conn: Connection, topic: str, object_id: str, version: str, payload: dict, delivery_id: str = ""
) -> bool:
    """Store a pulled object as an event; False when this version of it was stored before."""
    delivery_id = (delivery_id or f"poll:{object_id}:{version}")[:200]
    if InboundEvent.objects.filter(merchant_id=conn.merchant_id, source=conn.source, verified=True,
                                   delivery_id=delivery_id).exists():  # fmt: skip
        return False
    InboundEvent.objects.bulk_create(
        [
            InboundEvent(
                merchant_id=conn.merchant_id,
                source=conn.source,
                topic=topic,
                verified=True,
                delivery_id=delivery_id,
                headers={"X-Settle-Poll": "1"},
                body=json.dumps(payload).encode(),
                received_at=clock.now(),
            )
        ],  # fmt: skip
        ignore_conflicts=True,
    )
    return True


def _get(url: str, headers: dict, body: bytes | None = None) -> tuple[dict | list, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    for _attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read()), dict(response.headers)
        except urllib.error.HTTPError as exc:
            if exc.code != 429:
                raise
            time.sleep(min(float(exc.headers.get("Retry-After") or 1), 10))
    raise RuntimeError(f"still rate limited after 5 tries: {url}")


# --- Shopify ---------------------------------------------------------------------------------------------
def _shopify_order(node: dict) -> dict:
    """GraphQL node → the REST/webhook shape the Shopify plugin maps (the one shape all code understands)."""
    terms = node.get("paymentTerms")
    customer = node.get("customer") or {}
    billing = node.get("billingAddress") or {}
    return {
        "id": node["legacyResourceId"], "name": node.get("name"), "created_at": node.get("createdAt"),
        "processed_at": node.get("processedAt"), "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"), "test": node.get("test"), "email": node.get("email"),
        "financial_status": str(node.get("displayFinancialStatus") or "").lower(),
        "currency": node.get("currencyCode"), "payment_gateway_names": node.get("paymentGatewayNames") or [],
        "tags": ", ".join(node.get("tags") or []),
        "total_outstanding": ((node.get("totalOutstandingSet") or {}).get("shopMoney") or {}).get("amount"),
        "current_total_price": ((node.get("currentTotalPriceSet") or {}).get("shopMoney") or {}).get("amount"),
        "billing_address": {"country_code": billing.get("countryCodeV2"), "province_code": billing.get("provinceCode"),
                            "city": billing.get("city")},
        "customer": {"id": customer.get("legacyResourceId"), "first_name": customer.get("firstName"),
                     "last_name": customer.get("lastName"),
                     "email": (customer.get("defaultEmailAddress") or {}).get("emailAddress")} if customer else None,
        "payment_terms": None if not terms else {
            "id": str(terms.get("id", "")).rsplit("/", 1)[-1], "payment_terms_name": terms.get("paymentTermsName"),
            "payment_terms_type": str(terms.get("paymentTermsType") or "").lower(), "due_in_days": terms.get("dueInDays"),
            "payment_schedules": [{"due_at": s.get("dueAt"), "issued_at": s.get("issuedAt"), "completed_at": s.get("completedAt")}
                                  for s in ((terms.get("paymentSchedules") or {}).get("nodes") or [])]},
    }  # fmt: skip


def _shopify(conn: Connection, since: datetime | None, stop_after_pages: int | None) -> int:
    secrets = unseal(conn.secrets_encrypted)
    url = f"{conn.api_base.rstrip('/')}/admin/api/{SHOPIFY_API_VERSION}/graphql.json"
    # The first pull wants the unpaid orders; a reconcile wants every order changed since the last one, paid or
    # cancelled included: those are exactly the changes whose webhook may have been lost.
    query = UNPAID_QUERY if since is None else f"updated_at:>='{since.isoformat()}'"
    stored = pages = 0
    while True:
        body = json.dumps(
            {"query": SHOPIFY_QUERY, "variables": {"cursor": conn.backfill_cursor or None, "q": query}}
        )
        answer, _headers = _get(url, {"Content-Type": "application/json",
                                      "X-Shopify-Access-Token": secrets.get("access_token", "")}, body.encode())  # fmt: skip
        throttle = ((answer.get("extensions") or {}).get("cost") or {}).get("throttleStatus") or {}
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in answer.get("errors") or []):
            # Wait until the bucket holds the query's cost again (restoreRate points per second).
            needed = ((answer.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost", 50)
            deficit = max(needed - throttle.get("currentlyAvailable", 0), 1)
            time.sleep(deficit / max(throttle.get("restoreRate", 50), 1))
            continue
        if answer.get("errors"):
            raise RuntimeError(f"Shopify: {answer['errors']}")
        orders = answer["data"]["orders"]
        for node in orders["nodes"]:
            order = _shopify_order(node)
            stored += _store(conn, "orders/updated", str(order["id"]), str(order["updated_at"]), order)
        info = orders["pageInfo"]
        conn.backfill_cursor = info["endCursor"] if info["hasNextPage"] else ""
        conn.save(update_fields=["backfill_cursor"])
        pages += 1
        if not info["hasNextPage"]:
            return stored
        if stop_after_pages is not None and pages >= stop_after_pages:
            raise Interrupted(conn.backfill_cursor)


# --- WooCommerce -------------------------------------------------------------------------------------------
def _woocommerce(conn: Connection, since: datetime | None, stop_after_pages: int | None) -> int:
    secrets = unseal(conn.secrets_encrypted)
    token = base64.b64encode(
        f"{secrets.get('consumer_key', '')}:{secrets.get('consumer_secret', '')}".encode()
    ).decode()
    page = int(conn.backfill_cursor or 1)
    stored = pages = 0
    while True:
        params = {"status": UNPAID_STATUSES, "per_page": 50, "page": page, "orderby": "id", "order": "asc",
                  "dates_are_gmt": "true"}  # fmt: skip
        if since:
            # A reconcile asks for every status: an order that became completed or cancelled is the news.
            params["status"] = "any"
            params["modified_after"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        url = f"{conn.api_base.rstrip('/')}/wp-json/wc/v3/orders?{urllib.parse.urlencode(params)}"
        orders, headers = _get(url, {"Authorization": f"Basic {token}"})
        total_pages = int({k.lower(): v for k, v in headers.items()}.get("x-wp-totalpages", 1))
        for order in orders:
            stored += _store(
                conn, "order.updated", str(order["id"]), str(order.get("date_modified_gmt")), order
            )
        pages += 1
        if page >= total_pages:
            conn.backfill_cursor = ""
            conn.save(update_fields=["backfill_cursor"])
            return stored
        page += 1
        conn.backfill_cursor = str(page)
        conn.save(update_fields=["backfill_cursor"])
        if stop_after_pages is not None and pages >= stop_after_pages:
            raise Interrupted(conn.backfill_cursor)


# --- Stripe ------------------------------------------------------------------------------------------------
def _stripe(conn: Connection, since: datetime | None, stop_after_pages: int | None) -> int:
    from .paylinks import stripe_client

    client = stripe_client(conn)
    if since is not None:
        return _stripe_events(conn, client, since)
    params: dict = {"status": "open", "limit": 100}
    if conn.backfill_cursor:
        params["starting_after"] = conn.backfill_cursor
    if since:
        params["created"] = {"gte": int(since.timestamp())}
    stored = 0
    for seen, invoice in enumerate(client.v1.invoices.list(params=params).auto_paging_iter(), start=1):
        data = invoice.to_dict()
        event = {"id": f"poll_{data['id']}", "type": "invoice.updated", "created": int(clock.now().timestamp()),
                 "data": {"object": data}}  # fmt: skip
        stored += _store(conn, "invoice.updated", data["id"], str(data.get("amount_remaining")), event)
        conn.backfill_cursor = data["id"]
        conn.save(update_fields=["backfill_cursor"])
        if stop_after_pages is not None and seen >= stop_after_pages * params["limit"]:
            raise Interrupted(conn.backfill_cursor)
    conn.backfill_cursor = ""
    conn.save(update_fields=["backfill_cursor"])
    return stored


def _stripe_events(conn: Connection, client, since: datetime) -> int:
    """Reconcile Stripe from its event log (`GET /v1/events`, kept 30 days): invoices cannot be listed by
    update time, and an invoice paid while a webhook was lost is no longer `open`. Each event is stored under
    its own id — the webhook's dedupe key — so one that did arrive by webhook is not stored twice."""
    params = {"created": {"gte": int(since.timestamp())}, "types": sorted(STRIPE_TOPICS), "limit": 100}
    stored = 0
    for event in client.v1.events.list(params=params).auto_paging_iter():
        data = event.to_dict()
        stored += _store(conn, data["type"], "", "", data, delivery_id=data["id"])
    return stored


PULLERS = {"shopify": _shopify, "woocommerce": _woocommerce, "stripe": _stripe}


def backfill_run(
    *, connection: Connection, since: datetime | None = None, stop_after_pages: int | None = None
) -> int:
    """Pull the source's unpaid objects into the event store; resumes from the saved cursor. Returns new events."""
    conn = connection
    if conn.backfill_started_at is None:
        Connection.objects.filter(pk=conn.pk).update(backfill_started_at=clock.now())
    stored = PULLERS[conn.source](conn, since, stop_after_pages)
    now = clock.now()
    Connection.objects.filter(pk=conn.pk).update(
        backfill_done_at=conn.backfill_done_at or now, reconciled_at=now
    )
    return stored


def reconcile_due(*, now: datetime) -> int:
    """The periodic pull that catches webhooks the shop never delivered (incremental since the last one)."""
    interval = timedelta(minutes=settings.SETTLE_RECONCILE_MINUTES)
    done = 0
    for conn in Connection.objects.filter(disconnected_at__isnull=True).exclude(api_base=""):
        if conn.reconciled_at and conn.reconciled_at > now - interval:
            continue
        try:
            done += backfill_run(
                connection=conn, since=conn.reconciled_at - interval if conn.reconciled_at else None
            )
        except Exception:  # one unreachable shop must not stop the others
            log.exception("integrations: reconcile of %s failed", conn)
            Connection.objects.filter(pk=conn.pk).update(reconciled_at=now)
    return done


def connection_test(*, connection: Connection) -> str:
    """One cheap authenticated call to the source; returns a short description or raises with the reason."""
    conn = connection
    if not conn.api_base and conn.source != "stripe":
        raise ValueError("no API base URL configured: webhooks work, backfill and write-back do not")
    secrets = unseal(conn.secrets_encrypted)
    if conn.source == "stripe":
        from .paylinks import stripe_client

        stripe_client(conn).v1.invoices.list(params={"limit": 1})
        return "Stripe API reachable with this key"
    if conn.source == "shopify":
        url = f"{conn.api_base.rstrip('/')}/admin/api/{SHOPIFY_API_VERSION}/graphql.json"
        body = json.dumps(
            {"query": SHOPIFY_QUERY, "variables": {"cursor": None, "q": "financial_status:pending"}}
        )
        answer, _headers = _get(url, {"Content-Type": "application/json",
                                      "X-Shopify-Access-Token": secrets.get("access_token", "")}, body.encode())  # fmt: skip
        if answer.get("errors") and not any((e.get("extensions") or {}).get("code") == "THROTTLED"
                                            for e in answer["errors"]):  # fmt: skip
            raise RuntimeError(f"Shopify: {answer['errors']}")
        return "Shopify Admin API reachable with this token"
    token = base64.b64encode(
        f"{secrets.get('consumer_key', '')}:{secrets.get('consumer_secret', '')}".encode()
    ).decode()
    _orders, headers = _get(f"{conn.api_base.rstrip('/')}/wp-json/wc/v3/orders?per_page=1",
                            {"Authorization": f"Basic {token}"})  # fmt: skip
    total = {k.lower(): v for k, v in headers.items()}.get("x-wp-total", "?")
    return f"WooCommerce REST API reachable: {total} orders"
