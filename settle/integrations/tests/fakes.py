"""Loopback fake servers for Stripe, Shopify (GraphQL Admin) and WooCommerce (REST v3).

They serve the real-format fixtures and enforce each vendor's rate limiting the way the vendor does it:
Shopify's GraphQL cost bucket (THROTTLED with throttleStatus), WooCommerce paging with X-WP-TotalPages, and
Stripe's 429 (which the SDK retries). Each request is recorded for assertions.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlparse(self.path)
                record = {"method": method, "path": url.path, "query": parse_qs(url.query), "body": body,
                          "headers": dict(self.headers)}  # fmt: skip
                with server.lock:
                    server.requests.append(record)
                    status, headers, payload = server.route(record)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

        return Handler

    def route(self, record):  # pragma: no cover - overridden
        raise NotImplementedError


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


class FakeStripe(FakeServer):
    """Checkout Sessions (idempotent by Idempotency-Key) and invoice lists (paged, rate limited)."""

    def __init__(
        self, invoices: list[dict] | None = None, rate_limit_every: int = 0, events: list[dict] | None = None
    ) -> None:
        super().__init__()
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, dict] = {}
        self.invoices = invoices or []
        self.events = events or []  # newest first, as Stripe lists them
        self.rate_limit_every = rate_limit_every
        self.calls = 0

    def route(self, record):
        self.calls += 1
        if self.rate_limit_every and self.calls % self.rate_limit_every == 0:
            return (
                429,
                {"Stripe-Should-Retry": "true"},
                {"error": {"type": "rate_limit_error", "message": "slow down"}},
            )
        if record["method"] == "POST" and record["path"] == "/v1/checkout/sessions":
            key = record["headers"].get("Idempotency-Key", "")
            if key in self.by_key:
                return 200, {"Idempotent-Replayed": "true"}, self.by_key[key]
            form = _form(record["body"])
            session_id = f"cs_test_{uuid.uuid4().hex}"
            session = {
                "id": session_id, "object": "checkout.session", "mode": form.get("mode"), "status": "open",
                "payment_status": "unpaid", "currency": form["line_items[0][price_data][currency]"],
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
                "client_reference_id": form.get("client_reference_id"), "expires_at": int(form["expires_at"]),
                "url": f"https://checkout.stripe.com/c/pay/{session_id}", "success_url": form.get("success_url"),
            }  # fmt: skip
            self.sessions[session_id] = session
            self.by_key[key] = session
            return 200, {}, session
        if record["method"] == "GET" and record["path"] == "/v1/invoices":
            limit = int(record["query"].get("limit", ["10"])[0])
            after = record["query"].get("starting_after", [None])[0]
            items = [i for i in self.invoices if i["status"] == record["query"].get("status", ["open"])[0]]
            start = next((n + 1 for n, i in enumerate(items) if i["id"] == after), 0) if after else 0
            page = items[start : start + limit]
            return 200, {}, {"object": "list", "url": "/v1/invoices", "data": page,
                             "has_more": start + limit < len(items)}  # fmt: skip
        if record["method"] == "GET" and record["path"] == "/v1/events":
            query = record["query"]
            limit = int(query.get("limit", ["10"])[0])
            after = query.get("starting_after", [None])[0]
            gte = int(query.get("created[gte]", ["0"])[0])
            types = set(query.get("types[]", [])) or set(query.get("types[0]", []))
            types |= {v[0] for k, v in query.items() if k.startswith("types[")}
            items = [e for e in self.events if e["created"] >= gte and (not types or e["type"] in types)]
            start = next((n + 1 for n, e in enumerate(items) if e["id"] == after), 0) if after else 0
            page = items[start : start + limit]
            return 200, {}, {"object": "list", "url": "/v1/events", "data": page,
                             "has_more": start + limit < len(items)}  # fmt: skip
        return 404, {}, {"error": {"type": "invalid_request_error", "message": f"no route {record['path']}"}}


class FakeShopify(FakeServer):
    """GraphQL Admin: `orders` with cursor paging and the cost bucket; orderMarkAsPaid / orderCancel."""

    COST = 52

    def __init__(self, orders: list[dict], maximum: float = 100.0, restore_rate: float = 50.0) -> None:
        super().__init__()
        self.orders = orders
        self.maximum = maximum
        self.available = maximum
        self.restore_rate = restore_rate
        self.refilled_at = time.monotonic()
        self.throttled = 0
        self.mutations: list[dict] = []

    def route(self, record):
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.refilled_at) * self.restore_rate)
        self.refilled_at = now
        payload = json.loads(record["body"])
        status = {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": self.available,
            "restoreRate": self.restore_rate,
        }
        if "mutation" in payload["query"]:
            self.mutations.append(payload)
            name = "orderMarkAsPaid" if "orderMarkAsPaid" in payload["query"] else "orderCancel"
            return 200, {}, {"data": {name: {"userErrors": []}}}
        if self.available < self.COST:
            self.throttled += 1
            return 200, {}, {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                             "extensions": {"cost": {"requestedQueryCost": self.COST, "throttleStatus": status}}}  # fmt: skip
        self.available -= self.COST
        cursor = payload["variables"].get("cursor")
        start = int(cursor) if cursor else 0
        orders = [o for o in self.orders if _shopify_matches(o, payload["variables"].get("q") or "")]
        page = orders[start : start + 2]  # small pages so paging is exercised
        more = start + 2 < len(orders)
        return 200, {}, {
            "data": {"orders": {"nodes": page, "pageInfo": {"hasNextPage": more, "endCursor": str(start + 2)}}},
            "extensions": {"cost": {"requestedQueryCost": self.COST, "actualQueryCost": self.COST, "throttleStatus": status}},
        }  # fmt: skip


class FakeWooCommerce(FakeServer):
    """REST v3 `GET /wp-json/wc/v3/orders` with X-WP-Total / X-WP-TotalPages; PUT order status."""

    def __init__(self, orders: list[dict], per_page: int = 2) -> None:
        super().__init__()
        self.orders = orders
        self.per_page = per_page
        self.updates: list[dict] = []

    def route(self, record):
        if record["method"] == "PUT":
            self.updates.append({"path": record["path"], **json.loads(record["body"])})
            return 200, {}, {"id": int(record["path"].rsplit("/", 1)[-1])}
        query = record["query"]
        page = int(query.get("page", ["1"])[0])
        statuses = set(query.get("status", ["any"])[0].split(","))
        after = query.get("modified_after", [""])[0]
        orders = [
            o for o in self.orders
            if ("any" in statuses or o.get("status") in statuses) and (not after or o["date_modified_gmt"] > after)
        ]  # fmt: skip
        total_pages = max(1, -(-len(orders) // self.per_page))
        items = orders[(page - 1) * self.per_page : page * self.per_page]
        return (
            200,
            {"X-WP-Total": str(len(orders)), "X-WP-TotalPages": str(total_pages)},
            copy.deepcopy(items),
        )


def _shopify_matches(order: dict, query: str) -> bool:
    """The two forms of Shopify's search syntax the backfill sends: `financial_status:x OR …` and
    `updated_at:>='<iso>'` (ISO strings in one offset compare as text)."""
    statuses = re.findall(r"financial_status:(\w+)", query)
    if statuses and str(order.get("displayFinancialStatus", "")).lower() not in statuses:
        return False
    since = re.search(r"updated_at:>='([^']+)'", query)
    if since:
        return datetime.fromisoformat(order["updatedAt"]) >= datetime.fromisoformat(since.group(1))
    return True
