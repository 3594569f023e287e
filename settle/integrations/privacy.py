"""Shopify's mandatory compliance webhooks, done for real, and erasure of integration copies of personal data."""

from __future__ import annotations

from settle.customers.models import Customer
from settle.customers.privacy import customer_erase, customer_export

from .models import InboundEvent, PrivacyRequest, SyncedObject
from .sync import Context, Result


def _shop_customer(ctx: Context, payload: dict) -> Customer | None:
    data = payload.get("customer") or {}
    ids = [str(data.get("id") or "")]
    if data.get("email"):
        ids.append(f"email:{str(data['email']).lower()}")
    return Customer.objects.filter(
        merchant=ctx.merchant, source=ctx.source, external_id__in=[i for i in ids if i]
    ).first()


def shopify_privacy(ctx: Context, topic: str, payload: dict) -> Result:
    """data_request → an export kept for the merchant; customers/redact and shop/redact → erasure."""
    if topic == "customers/data_request":
        customer = _shop_customer(ctx, payload)
        export = (
            customer_export(customer=customer) if customer else {"customer": None, "note": "no data held"}
        )
        ref = str((payload.get("data_request") or {}).get("id") or "")
        PrivacyRequest.objects.create(merchant=ctx.merchant, source=ctx.source, kind="data_request", external_ref=ref,
                                      customer=customer, export=export, completed_at=ctx.now)  # fmt: skip
        return Result(
            "processed", f"data request {ref}: export ready" + ("" if customer else " (no data held)")
        )
    if topic == "customers/redact":
        customer = _shop_customer(ctx, payload)
        if customer is not None:
            customer_erase(customer=customer, at=ctx.now)
        PrivacyRequest.objects.create(merchant=ctx.merchant, source=ctx.source, kind="customer_redact",
                                      external_ref=str((payload.get("customer") or {}).get("id") or ""),
                                      customer=customer, completed_at=ctx.now)  # fmt: skip
        return Result("processed", "customer erased, ledger kept anonymised" if customer else "no data held")
    # shop/redact: every customer that came from this shop.
    erased = 0
    for customer in Customer.objects.filter(merchant=ctx.merchant, source=ctx.source, erased_at__isnull=True):
        customer_erase(customer=customer, at=ctx.now)
        erased += 1
    PrivacyRequest.objects.create(merchant=ctx.merchant, source=ctx.source, kind="shop_redact",
                                  external_ref=str(payload.get("shop_id") or ""), completed_at=ctx.now)  # fmt: skip
    return Result("processed", f"shop redacted: {erased} customer(s) erased, ledger kept anonymised")


def erase_customer_payloads(customer: Customer) -> None:
    """Remove the integration copies of a customer's personal data: stored order facts and raw payloads."""
    objects = SyncedObject.objects.filter(merchant_id=customer.merchant_id, customer=customer)
    keys = {(o.source, o.external_id) for o in objects}
    objects.update(data={})
    SyncedObject.objects.filter(merchant_id=customer.merchant_id, receivable__customer=customer).update(
        data={}
    )
    # Raw bodies that mention the customer's orders or the customer id itself are blanked (headers kept).
    from settle.ledger.models import Receivable

    needles = {ext for _s, ext in keys} | set(
        Receivable.objects.filter(customer=customer).values_list("external_id", flat=True)
    )
    for event in (
        InboundEvent.objects.filter(merchant_id=customer.merchant_id)
        .exclude(body=b"")
        .only("pk", "body")
        .iterator()
    ):
        text = bytes(event.body)
        if any(n and n.encode() in text for n in needles):
            InboundEvent.objects.filter(pk=event.pk).update(body=b"", outcome="payload erased (privacy)")
    PrivacyRequest.objects.filter(merchant_id=customer.merchant_id, customer=customer).update(export={})
