"""Stripe: signature check through the official SDK, and the mapping of invoices, payments and refunds.

What is a debt: an open invoice with `amount_remaining > 0`, unless Stripe is still retrying the charge
itself (`next_payment_attempt` set on an automatically charged invoice). An invoice marked uncollectible is
still owed and closes when it is paid. Payments taken through Settle's pay links arrive as
`checkout.session.completed` (or `...async_payment_succeeded`) carrying Settle's metadata.
"""

from __future__ import annotations

from datetime import timedelta

import stripe

from settle.core.money import Money
from settle.integrations.sync import (
    Context,
    Held,
    MappingError,
    Result,
    claim_version,
    customer_for,
    parse_currency,
    parse_minor_money,
    parse_unix,
    receivable_of,
    receivable_settle,
    receivable_sync,
    receivable_void,
    save_synced,
)
from settle.ledger.models import Payment, ReceivableStatus

INVOICE_TOPICS = {"invoice.finalized", "invoice.updated", "invoice.overdue", "invoice.payment_failed",
                  "invoice.paid", "invoice.payment_succeeded", "invoice.marked_uncollectible", "invoice.voided"}  # fmt: skip
CHECKOUT_TOPICS = {"checkout.session.completed", "checkout.session.async_payment_succeeded",
                   "checkout.session.async_payment_failed"}  # fmt: skip
TOPICS = INVOICE_TOPICS | CHECKOUT_TOPICS | {"charge.refunded", "invoice_payment.paid"}
TOLERANCE_SECONDS = 300


class Stripe:
    source = "stripe"
    topics = TOPICS

    def verify(self, body: bytes, headers, secrets: dict) -> bool:
        """The SDK's own check: `t=…,v1=…` over "{t}.{body}", within the 300 s tolerance."""
        header = headers.get("Stripe-Signature") or ""
        secret = secrets.get("webhook_secret") or ""
        if not header or not secret:
            return False
        try:
            stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, secret, TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, UnicodeDecodeError):
            return False
        return True

    def is_ping(self, body: bytes, headers) -> bool:
        return False

    def describe(self, headers, payload) -> tuple[str, str]:
        if not isinstance(payload, dict):
            return "", ""
        return str(payload.get("type") or ""), str(payload.get("id") or "")

    def process(self, ctx: Context, topic: str, event: dict) -> Result:
        obj = (event.get("data") or {}).get("object")
        if not isinstance(obj, dict):
            raise MappingError("data.object", "missing")
        created = parse_unix(event.get("created"), "created")
        if topic in INVOICE_TOPICS:
            return self.invoice(ctx, topic, obj, created)
        if topic in CHECKOUT_TOPICS:
            return self.checkout(ctx, topic, obj)
        if topic == "invoice_payment.paid":
            return self.invoice_payment(ctx, obj)
        if topic == "charge.refunded":
            return self.charge_refunded(ctx, obj)
        return Result("ignored", f"event type {topic} is not used")

    def _customer(self, ctx: Context, invoice: dict):
        external = (
            str(invoice.get("customer") or "") or f"email:{invoice.get('customer_email') or invoice['id']}"
        )
        address = invoice.get("customer_address") or {}
        return customer_for(ctx, external_id=external, name=invoice.get("customer_name") or "",
                            email=invoice.get("customer_email") or "", phone=invoice.get("customer_phone") or "",
                            country=address.get("country") or "", region=address.get("state") or "",
                            city=address.get("city") or "")  # fmt: skip

    def invoice(self, ctx: Context, topic: str, invoice: dict, created) -> Result:
        invoice_id = str(invoice.get("id") or "")
        if not invoice_id:
            raise MappingError("data.object.id", "missing")
        obj = claim_version(ctx, "invoice", invoice_id, created)
        if obj is None:
            return Result("ignored", "stale: a newer state of this invoice was already applied")
        receivable = obj.receivable or receivable_of(ctx, invoice_id)
        stored = receivable  # the lookup above, made under the sync row's lock
        releases = (f"invoice:{invoice_id}",)
        status = invoice.get("status") or ""
        if (
            topic in ("invoice.paid", "invoice.payment_succeeded")
            or status == "paid"
            or invoice.get("paid") is True
        ):
            if receivable is not None:
                receivable_settle(ctx, receivable, ref=f"{invoice_id}:{topic}", method="stripe")
            save_synced(obj, state="paid", receivable=receivable)
            return Result(
                "processed", "invoice paid" + ("" if receivable else ": was never owed in Settle"), releases
            )
        if topic == "invoice.voided" or status == "void":
            if receivable is not None:
                receivable_void(ctx, receivable, memo="invoice voided in Stripe")
            save_synced(obj, state="void", receivable=receivable)
            return Result("processed", "invoice voided", releases)
        collection = invoice.get("collection_method") or invoice.get("billing") or ""
        if collection == "charge_automatically" and invoice.get("next_payment_attempt"):
            retry_at = parse_unix(invoice["next_payment_attempt"], "data.object.next_payment_attempt")
            save_synced(obj, state="stripe_retrying", note="Stripe retries the charge itself",
                        recheck_at=retry_at + timedelta(hours=1))  # fmt: skip
            return Result("skipped", f"Stripe retries the charge itself (next attempt {retry_at:%Y-%m-%d %H:%M} UTC)",
                          releases)  # fmt: skip
        currency = parse_currency(invoice.get("currency"), "data.object.currency")
        total = parse_minor_money(invoice.get("amount_due"), currency, "data.object.amount_due")
        remaining = invoice.get("amount_remaining")
        if remaining is None:
            remaining = total.minor - int(invoice.get("amount_paid") or 0)
        remaining = parse_minor_money(remaining, currency, "data.object.amount_remaining")
        if total.minor <= 0 or remaining.minor <= 0:
            save_synced(obj, state=status or "settled", note="nothing owed")
            return Result("skipped", "not a debt: nothing remains to pay", releases)
        issued = parse_unix(
            invoice.get("finalized_at") or invoice.get("created") or invoice.get("date"),
            "data.object.created",
        )
        due = parse_unix(invoice["due_date"], "data.object.due_date") if invoice.get("due_date") else issued
        customer = self._customer(ctx, invoice)
        # A receivable's balance follows explicit payments (invoice_payment.paid / invoice.paid), so a later
        # invoice.updated never doubles a partial payment: start it at what remained when first seen.
        if receivable is None:
            outstanding = remaining
        else:
            receivable.refresh_from_db()
            outstanding = Money(min(receivable.balance_minor, remaining.minor), currency)
        receivable = receivable_sync(
            ctx, absent=stored is None, customer=customer, external_id=invoice_id, amount=total, outstanding=outstanding,
            due_date=due.date(), issued_at=issued, ref=f"{invoice_id}:{created.timestamp():.0f}",
            number=str(invoice.get("number") or invoice_id), terms="send_invoice" if invoice.get("due_date") else collection,
            description=f"Stripe invoice {invoice.get('number') or invoice_id}",
        )  # fmt: skip
        state = (
            "uncollectible"
            if topic == "invoice.marked_uncollectible" or status == "uncollectible"
            else "open"
        )
        save_synced(obj, state=state, receivable=receivable, customer=customer, recheck_at=None,
                    data={"hosted_invoice_url": invoice.get("hosted_invoice_url") or ""})  # fmt: skip
        return Result("processed", f"receivable {receivable.number}: {receivable.balance} due {due:%Y-%m-%d} ({state})",
                      releases)  # fmt: skip

    def invoice_payment(self, ctx: Context, payment: dict) -> Result:
        """A (partial) payment of an invoice (API 2025-03-31.basil and later)."""
        invoice_id = str(payment.get("invoice") or "")
        receivable = receivable_of(ctx, invoice_id)
        if receivable is None:
            raise Held(f"invoice:{invoice_id}", "payment for an invoice not seen yet")
        if receivable.status != ReceivableStatus.OPEN:
            return Result("processed", "invoice already settled: nothing to record")
        currency = parse_currency(payment.get("currency"), "data.object.currency")
        amount = parse_minor_money(payment.get("amount_paid"), currency, "data.object.amount_paid")
        amount = Money(min(amount.minor, receivable.balance_minor), currency)
        from settle.ledger.services import payment_record

        payment_record(merchant=ctx.merchant, customer=receivable.customer, amount=amount,
                       external_id=str(payment.get("id")), received_at=ctx.now, source=ctx.source, method="stripe",
                       receivable=receivable)  # fmt: skip
        return Result("processed", f"payment {amount} on {receivable.number}")

    def checkout(self, ctx: Context, topic: str, session: dict) -> Result:
        """A pay-link payment: Settle's metadata names the customer (and case) it was minted for."""
        from settle.integrations.paylinks import checkout_completed

        return checkout_completed(ctx, topic, session)

    def charge_refunded(self, ctx: Context, charge: dict) -> Result:
        invoice_id = str(charge.get("invoice") or "")
        metadata = charge.get("metadata") or {}
        payment = None
        if invoice_id:
            receivable = receivable_of(ctx, invoice_id)
            if receivable is None:
                raise Held(f"invoice:{invoice_id}", "refund for an invoice not seen yet")
            payment = Payment.objects.filter(merchant=ctx.merchant, entries__receivable=receivable).first()
        elif metadata.get("settle_session"):
            payment = Payment.objects.filter(merchant=ctx.merchant, source="stripe",
                                             external_id=metadata["settle_session"]).first()  # fmt: skip
        if payment is None:
            return Result("ignored", "refund of a charge Settle did not record")
        currency = parse_currency(charge.get("currency"), "data.object.currency")
        refunded = parse_minor_money(charge.get("amount_refunded"), currency, "data.object.amount_refunded")
        delta = refunded.minor - payment.refunded_minor
        if delta <= 0:
            return Result("processed", "refund already recorded")
        from settle.ledger.services import refund_record

        refund_record(payment=payment, amount=Money(delta, currency), at=ctx.now, memo="refund in Stripe",
                      source_ref=f"charge:{charge.get('id')}")  # fmt: skip
        return Result("processed", f"refund {Money(delta, currency)} recorded")
