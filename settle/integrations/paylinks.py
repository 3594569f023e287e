"""Pay links: `/pay/<message code>/` mints (or reuses) a Stripe Checkout Session for what the case owes now.

A reminder carries a Settle URL, never a Checkout URL: sessions expire within 24 hours and the balance may
change between sending and clicking. The session is created through the official SDK with an idempotency
key derived from the case and the amount, and metadata naming the case, customer, receivables and message,
which `checkout_completed` reads back when Stripe reports the payment. Shopify / WooCommerce merchants may
choose their own checkout instead (`pay_link_mode = "shop"` on the connection).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import quote

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from settle.core import clock
from settle.core.money import Money
from settle.ledger.models import Receivable, ReceivableStatus
from settle.ledger.services import payment_record

from .models import Connection, PayLink, SyncedObject
from .secrets_box import unseal
from .sync import Context, MappingError, Result, parse_currency, parse_minor_money

SESSION_LIFETIME = timedelta(hours=23)


class PayLinkUnavailable(Exception):
    """Nothing to pay, or no way to take the payment; the page says so kindly."""


def stripe_client(conn: Connection) -> stripe.StripeClient:
    secrets = unseal(conn.secrets_encrypted)
    base = conn.api_base or settings.SETTLE_STRIPE_API_BASE
    kwargs = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(secrets.get("api_key", ""), max_network_retries=2, **kwargs)


def _open_receivables(message) -> list[Receivable]:
    qs = Receivable.objects.filter(merchant_id=message.merchant_id, customer_id=message.customer_id,
                                   status=ReceivableStatus.OPEN, balance_minor__gt=0)  # fmt: skip
    if message.case_id:
        qs = qs.filter(currency=message.case.currency)
    return list(qs.order_by("due_date", "id"))


def shop_checkout_url(receivables: list[Receivable]) -> str:
    """The shop's own pay page for a single order: Shopify's order status page, WooCommerce's order-pay URL."""
    if len(receivables) != 1:
        return ""
    receivable = receivables[0]
    conn = Connection.objects.filter(merchant_id=receivable.merchant_id, source=receivable.source,
                                     disconnected_at__isnull=True).first()  # fmt: skip
    if conn is None or conn.settings.get("pay_link_mode") != "shop":
        return ""
    synced = SyncedObject.objects.filter(merchant_id=receivable.merchant_id, source=receivable.source, kind="order",
                                         external_id=receivable.external_id).first()  # fmt: skip
    if synced is None:
        return ""
    if receivable.source == "woocommerce" and synced.data.get("order_key"):
        return (f"{conn.api_base.rstrip('/')}/checkout/order-pay/{receivable.external_id}/"
                f"?pay_for_order=true&key={quote(synced.data['order_key'])}")  # fmt: skip
    if receivable.source == "shopify":
        return (synced.data.get("order") or {}).get("order_status_url") or ""
    return ""


def pay_link_target(*, message) -> str:
    """Where the debtor's click goes: the shop's checkout, a reused open session, or a new one."""
    receivables = _open_receivables(message)
    if not receivables:
        raise PayLinkUnavailable(_("Nothing is owed any more — thank you."))
    currency = receivables[0].currency
    total = Money(sum(r.balance_minor for r in receivables), currency)
    own = shop_checkout_url(receivables)
    if own:
        return own
    conn = Connection.objects.filter(merchant_id=message.merchant_id, source="stripe",
                                     disconnected_at__isnull=True).first()  # fmt: skip
    if conn is None:
        raise PayLinkUnavailable(_("Online payment is not set up for this shop yet."))
    now = clock.now()
    reuse = PayLink.objects.filter(merchant_id=message.merchant_id, case_id=message.case_id or 0,
                                   amount_minor=total.minor, currency=currency, expires_at__gt=now).first()  # fmt: skip
    if reuse is not None:
        return reuse.url
    ids = ",".join(str(r.pk) for r in receivables)
    # Same case, amount and receivables → same key → Stripe returns the same session instead of a second one.
    digest = hashlib.sha256(
        f"{message.case_id}|{total.minor}|{currency}|{ids}|{now:%Y-%m-%d}".encode()
    ).hexdigest()
    base = settings.SETTLE_PUBLIC_URL.rstrip("/")
    names = ", ".join(r.number for r in receivables)[:200]
    session = stripe_client(conn).v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": total.minor,
                        "product_data": {"name": names},
                    },
                }
            ],  # fmt: skip
            "metadata": {
                "settle_case": str(message.case_id or ""),
                "settle_customer": str(message.customer_id),
                "settle_receivables": ids,
                "settle_message": str(message.code),
            },  # fmt: skip
            "payment_intent_data": {"metadata": {"settle_case": str(message.case_id or "")}},
            "client_reference_id": f"case-{message.case_id}",
            "success_url": f"{base}/pay/{message.code}/done/",
            "cancel_url": f"{base}/pay/{message.code}/",
            "expires_at": int((now + SESSION_LIFETIME).timestamp()),
        },
        options={"idempotency_key": f"settle-paylink-{digest}"},
    )
    PayLink.objects.get_or_create(
        session_id=session.id,
        defaults={
            "merchant_id": message.merchant_id,
            "message_code": message.code,
            "case_id": message.case_id or 0,
            "url": session.url,
            "currency": currency,
            "amount_minor": total.minor,
            "expires_at": now + SESSION_LIFETIME,
        },  # fmt: skip
    )
    return session.url


def checkout_completed(ctx: Context, topic: str, session: dict) -> Result:
    """Record a pay-link payment in the ledger; the case closes through the ledger when the balance clears."""
    metadata = session.get("metadata") or {}
    if not metadata.get("settle_customer"):
        return Result("ignored", "a Checkout Session Settle did not create")
    if topic == "checkout.session.async_payment_failed":
        return Result("processed", "the delayed payment failed: nothing recorded")
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return Result("processed", "payment still processing: waiting for async_payment_succeeded")
    from settle.customers.models import Customer

    customer = Customer.objects.filter(merchant=ctx.merchant, pk=int(metadata["settle_customer"])).first()
    if customer is None:
        raise MappingError("data.object.metadata.settle_customer", "no such customer for this merchant")
    currency = parse_currency(session.get("currency"), "data.object.currency")
    amount = parse_minor_money(session.get("amount_total"), currency, "data.object.amount_total")
    ids = [int(i) for i in str(metadata.get("settle_receivables") or "").split(",") if i.isdigit()]
    targets = list(
        Receivable.objects.filter(merchant=ctx.merchant, customer=customer, pk__in=ids).order_by("due_date")
    )
    first_open = next(
        (r for r in targets if r.status == ReceivableStatus.OPEN and r.currency == currency), None
    )
    payment, created = payment_record(
        merchant=ctx.merchant, customer=customer, amount=amount, external_id=str(session.get("id")),
        received_at=ctx.now, source="stripe", method="stripe checkout", receivable=first_open,
    )  # fmt: skip
    if created:
        _queue_mark_paid(ctx, targets)
    return Result("processed", f"payment {amount} recorded" + ("" if created else " (already recorded)"))


def _queue_mark_paid(ctx: Context, receivables: list[Receivable]) -> None:
    """A shop order paid through Settle is marked paid in the shop too."""
    from .services import write_back_queue

    for receivable in receivables:
        receivable.refresh_from_db()
        if receivable.source not in ("shopify", "woocommerce") or receivable.balance_minor > 0:
            continue
        conn = Connection.objects.filter(merchant=ctx.merchant, source=receivable.source,
                                         disconnected_at__isnull=True).first()  # fmt: skip
        if conn is not None:
            shop_ctx = Context(merchant=ctx.merchant, connection=conn, event=ctx.event, now=ctx.now)
            write_back_queue(ctx=shop_ctx, action="mark_paid", external_id=receivable.external_id)
