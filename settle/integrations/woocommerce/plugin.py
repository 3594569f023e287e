"""WooCommerce: webhook verification (and its unsigned ping) and the mapping of orders by status × method.

What is a debt: `on-hold` paid by bank transfer (bacs) or cheque, `pending` and `failed` orders, and
`processing` cash-on-delivery orders without `date_paid_gmt`. A subscription renewal is left alone while the
store's own retry window runs (re-checked when it ends). Due dates come from invoice plugins' `meta_data`
when present, else the merchant's per-method policy. Times are always the `*_gmt` twins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

from settle.integrations.sync import (
    Context,
    MappingError,
    NewDebt,
    Result,
    claim_version,
    customer_for,
    parse_currency,
    parse_decimal_money,
    parse_time,
    receivable_of,
    receivable_settle,
    receivable_sync,
    receivable_void,
    save_synced,
)

TOPICS = {"order.created", "order.updated", "order.deleted", "order.restored", "customer.updated"}
DEBT_STATUSES = {"pending", "failed"}
ON_HOLD_METHODS = {"bacs", "cheque"}
# Meta keys written by invoice plugins (WooCommerce PDF Invoices & Packing Slips, Germanized, custom fields).
DUE_META_KEYS = ("_wcpdf_invoice_due_date", "_wcpdf_due_date", "_invoice_due_date", "_due_date", "due_date")
DEFAULT_DUE_DAYS = {"bacs": 14, "cheque": 14, "cod": 7}
DEFAULT_RETRY_DAYS = 7


class WooCommerce:
    source = "woocommerce"
    topics = TOPICS

    def verify(self, body: bytes, headers, secrets: dict) -> bool:
        given = headers.get("X-WC-Webhook-Signature") or ""
        secret = secrets.get("webhook_secret") or ""
        if not given or not secret:
            return False
        mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(mac, given)

    def is_ping(self, body: bytes, headers) -> bool:
        """WooCommerce pings a new webhook with an unsigned form body `webhook_id=N`; it wants a 200."""
        if headers.get("X-WC-Webhook-Signature") or len(body) > 100:
            return False
        try:
            fields = parse_qs(body.decode("ascii"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return False
        return set(fields) == {"webhook_id"} and fields["webhook_id"][0].isdigit()

    def describe(self, headers, payload) -> tuple[str, str]:
        # The docs name this header wrongly; the plugin sends X-WC-Webhook-Delivery-ID.
        delivery = headers.get("X-WC-Webhook-Delivery-ID") or ""
        if delivery and isinstance(payload, dict):
            # Delivery ids are per-site counters and weak: make them specific to the resource state too.
            delivery = f"{headers.get('X-WC-Webhook-ID', '')}:{delivery}:{payload.get('id')}:{payload.get('date_modified_gmt')}"
        return headers.get("X-WC-Webhook-Topic", ""), delivery

    def process(self, ctx: Context, topic: str, payload: dict) -> Result:
        if topic.startswith("order."):
            return self.order(ctx, topic, payload)
        return Result("ignored", f"topic {topic} is not used")

    def _is_debt(self, order: dict) -> str:
        """The reason an order is a receivable, or '' when it is not."""
        status = order.get("status")
        method = order.get("payment_method") or ""
        if status in DEBT_STATUSES:
            return f"{status} order"
        if status == "on-hold" and method in ON_HOLD_METHODS:
            return f"on hold awaiting {order.get('payment_method_title') or method}"
        if status == "processing" and method == "cod" and not order.get("date_paid_gmt"):
            return "cash on delivery not yet paid"
        return ""

    def _due(self, ctx: Context, order: dict, issued_at: datetime) -> tuple[date, str]:
        for meta in order.get("meta_data") or []:
            if meta.get("key") in DUE_META_KEYS and meta.get("value"):
                return _meta_date(meta["value"], f"meta_data.{meta['key']}"), f"invoice due ({meta['key']})"
        method = order.get("payment_method") or ""
        policy = {**DEFAULT_DUE_DAYS, **(ctx.setting("due_days", {}) or {})}
        days = int(policy.get(method, ctx.setting("default_due_days", 14)))
        return (issued_at + timedelta(days=days)).date(), f"policy: {days} days"

    def _renewal_in_retry(self, ctx: Context, order: dict, issued_at: datetime) -> datetime | None:
        """A subscription renewal the store is still retrying: until when to leave it alone."""
        is_renewal = order.get("created_via") == "subscription" or any(
            m.get("key") in ("_subscription_renewal", "_subscription_resubscribe")
            for m in order.get("meta_data") or []
        )
        if not is_renewal:
            return None
        until = issued_at + timedelta(days=int(ctx.setting("subscription_retry_days", DEFAULT_RETRY_DAYS)))
        return until if ctx.now < until else None

    def order(self, ctx: Context, topic: str, order: dict) -> Result:
        if "id" not in order:
            raise MappingError("id", "missing")
        order_id = str(order["id"])
        version = parse_time(order.get("date_modified_gmt") or order.get("date_created_gmt"), "date_modified_gmt",
                             assume_utc=True)  # fmt: skip
        obj = claim_version(ctx, "order", order_id, version)
        if obj is None:
            return Result("ignored", "stale: a newer state of this order was already applied")
        receivable = obj.receivable or receivable_of(ctx, order_id)
        stored = receivable  # the lookup above, made under the sync row's lock
        status = order.get("status") or ""
        ref = version.isoformat()
        releases = (f"order:{order_id}",)
        if topic == "order.deleted" or status in ("cancelled", "refunded", "trash"):
            if receivable is not None:
                receivable_void(ctx, receivable, memo=f"order {status or 'deleted'} in WooCommerce")
            save_synced(obj, state=status or "deleted", receivable=receivable)
            return Result("processed", f"order {status or 'deleted'}: nothing owed", releases)
        reason = self._is_debt(order)
        if not reason:
            if receivable is not None:
                receivable_settle(ctx, receivable, ref=ref)
            save_synced(obj, state=status, receivable=receivable, recheck_at=None)
            return Result("processed" if receivable else "skipped", f"not a debt: status {status}", releases)
        currency = parse_currency(order.get("currency"), "currency")
        total = parse_decimal_money(order.get("total"), currency, "total")
        refunded = sum((parse_decimal_money(str(r.get("total", "0")).lstrip("-"), currency, "refunds.total").minor
                        for r in order.get("refunds") or []), 0)  # fmt: skip
        issued_at = parse_time(order.get("date_created_gmt"), "date_created_gmt", assume_utc=True)
        retry_until = self._renewal_in_retry(ctx, order, issued_at)
        if retry_until is not None:
            save_synced(obj, state="store_retrying", note="subscription renewal in the store's own retry window",
                        recheck_at=retry_until, data={"order": order})  # fmt: skip
            return Result("skipped", f"subscription renewal: the store retries until {retry_until:%Y-%m-%d}")
        due_date, terms = self._due(ctx, order, issued_at)
        customer = customer_for(ctx, **self._customer_spec(order))
        from settle.core.money import Money

        outstanding = Money(max(total.minor - refunded, 0), currency)
        receivable = receivable_sync(
            ctx, absent=stored is None, customer=customer, external_id=order_id, amount=total, outstanding=outstanding, due_date=due_date,
            issued_at=issued_at, ref=ref, number=str(order.get("number") or order_id), terms=terms,
            description=f"WooCommerce order {order.get('number') or order_id}: {reason}",
        )  # fmt: skip
        save_synced(obj, state="open", receivable=receivable, customer=customer, recheck_at=None,
                    data={"order_key": order.get("order_key", "")})  # fmt: skip
        return Result("processed", f"receivable {receivable.number}: {receivable.balance} due {due_date} ({reason})",
                      releases)  # fmt: skip

    def _customer_spec(self, order: dict) -> dict:
        billing = order.get("billing") or {}
        email = billing.get("email") or ""
        customer_external = (
            str(order.get("customer_id") or "") if order.get("customer_id") else f"email:{email.lower()}"
        )
        return dict(
            external_id=customer_external,
            name=" ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p) or billing.get("company", ""),
            email=email, phone=billing.get("phone") or "", country=billing.get("country") or "",
            region=billing.get("state") or "", city=billing.get("city") or "",
        )  # fmt: skip

    def new_debt(self, ctx: Context, topic: str, order: dict) -> NewDebt | None:
        """The batch path's question: if this order is new to Settle, is it just an open debt owing its total?

        Mirrors `order` for an order with no sync row and no receivable; None for everything that path does
        differently (deleted, cancelled, not a debt, refunded in part, a renewal the store still retries, a
        field that does not parse), which then goes through `order` one by one.
        """
        if not topic.startswith("order.") or topic == "order.deleted" or "id" not in order:
            return None
        if order.get("status") in ("cancelled", "refunded", "trash"):
            return None
        reason = self._is_debt(order)
        if not reason or order.get("refunds"):
            return None
        try:
            version = parse_time(order.get("date_modified_gmt") or order.get("date_created_gmt"),
                                 "date_modified_gmt", assume_utc=True)  # fmt: skip
            currency = parse_currency(order.get("currency"), "currency")
            total = parse_decimal_money(order.get("total"), currency, "total")
            issued_at = parse_time(order.get("date_created_gmt"), "date_created_gmt", assume_utc=True)
            if self._renewal_in_retry(ctx, order, issued_at) is not None:
                return None
            due_date, terms = self._due(ctx, order, issued_at)
        except MappingError:
            return None
        order_id = str(order["id"])
        return NewDebt(
            kind="order", external_id=order_id, version=version, customer=self._customer_spec(order), amount=total,
            due_date=due_date, issued_at=issued_at, number=str(order.get("number") or order_id)[:100],
            terms=terms[:50], description=f"WooCommerce order {order.get('number') or order_id}: {reason}"[:500],
            data={"order_key": order.get("order_key", "")}, releases=(f"order:{order_id}",),
            outcome_suffix=f" ({reason})",
        )  # fmt: skip


def _meta_date(value, field: str) -> date:
    """Invoice plugins store due dates as Unix seconds or ISO dates."""
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MappingError(field, f"not a date: {value!r}") from None
