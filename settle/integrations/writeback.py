"""Sending write-backs to the shops: Shopify GraphQL mutations, WooCommerce REST order updates.

Every call has a timeout; any non-success raises, and `services.write_backs_send` retries with backoff.
"""

from __future__ import annotations

import base64
import json
import urllib.request

from .models import WriteBack

TIMEOUT_SECONDS = 10
SHOPIFY_API_VERSION = "2026-07"

MARK_PAID = """mutation($input: OrderMarkAsPaidInput!) {
  orderMarkAsPaid(input: $input) { order { id displayFinancialStatus } userErrors { field message } } }"""
CANCEL = """mutation($orderId: ID!, $restock: Boolean!, $reason: OrderCancelReason!, $refund: Boolean!) {
  orderCancel(orderId: $orderId, restock: $restock, reason: $reason, refund: $refund, notifyCustomer: false) {
    job { id } orderCancelUserErrors { field message } } }"""
TERMS = """mutation($referenceId: ID!, $attrs: PaymentTermsCreateInput!) {
  paymentTermsCreate(referenceId: $referenceId, paymentTermsAttributes: $attrs) {
    paymentTerms { id } userErrors { field message } } }"""


def _post_json(url: str, payload: dict, headers: dict, method: str = "POST") -> dict:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method=method,
                                     headers={"Content-Type": "application/json", **headers})  # fmt: skip
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - configured URL
        return json.loads(response.read() or b"{}")


def _shopify(wb: WriteBack, secrets: dict) -> None:
    gid = f"gid://shopify/Order/{wb.external_id}"
    if wb.action == "mark_paid":
        query, variables = MARK_PAID, {"input": {"id": gid}}
    elif wb.action == "cancel":
        query, variables = CANCEL, {"orderId": gid, "restock": bool(wb.payload.get("restock")), "reason": "OTHER",
                                    "refund": False}  # fmt: skip
    elif wb.action == "payment_terms_create":
        query = TERMS
        variables = {"referenceId": gid, "attrs": {"paymentTermsTemplateId": wb.payload.get("template_id", ""),
                     "paymentSchedules": [{"dueAt": f"{wb.payload['due_date']}T00:00:00Z"}]}}  # fmt: skip
    else:
        raise ValueError(f"unknown Shopify write-back {wb.action}")
    url = f"{wb.connection.api_base.rstrip('/')}/admin/api/{SHOPIFY_API_VERSION}/graphql.json"
    answer = _post_json(url, {"query": query, "variables": variables},
                        {"X-Shopify-Access-Token": secrets.get("access_token", "")})  # fmt: skip
    if answer.get("errors"):
        raise RuntimeError(f"Shopify: {answer['errors']}")
    for result in (answer.get("data") or {}).values():
        errors = (result or {}).get("userErrors") or (result or {}).get("orderCancelUserErrors")
        if errors:
            raise RuntimeError(f"Shopify: {errors}")


def _woocommerce(wb: WriteBack, secrets: dict) -> None:
    status = {"mark_paid": "processing", "cancel": "cancelled"}.get(wb.action)
    if status is None:
        raise ValueError(f"unknown WooCommerce write-back {wb.action}")
    body = {"status": status}
    if wb.action == "mark_paid":
        body["set_paid"] = True
    token = base64.b64encode(
        f"{secrets.get('consumer_key', '')}:{secrets.get('consumer_secret', '')}".encode()
    )
    url = f"{wb.connection.api_base.rstrip('/')}/wp-json/wc/v3/orders/{wb.external_id}"
    _post_json(url, body, {"Authorization": f"Basic {token.decode()}"}, method="PUT")


def send(wb: WriteBack, secrets: dict) -> None:
    if wb.connection.source == "shopify":
        _shopify(wb, secrets)
    elif wb.connection.source == "woocommerce":
        _woocommerce(wb, secrets)
    else:
        raise ValueError(f"{wb.connection.source} has no write-back")
