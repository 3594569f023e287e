"""Shopify: webhook verification and the mapping of orders, payment terms, refunds and customers.

What is a debt: an order with an outstanding balance that is (a) on payment terms (due date from the first
incomplete schedule), or (b) pending / partially paid without terms — bank deposit, COD, money order — due
after the merchant's per-payment-method policy. Test orders, orders financed by a third party (Klarna,
Affirm, Shop Pay Installments...) and deposit / pre-order schedules are not chased: they are recorded as
skipped with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from settle.integrations.sync import (
    Context,
    Held,
    MappingError,
    NewDebt,
    Result,
    claim_version,
    customer_for,
    parse_currency,
    parse_decimal_money,
    parse_time,
    payments_of,
    receivable_of,
    receivable_settle,
    receivable_sync,
    receivable_void,
    save_synced,
    synced,
)

ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/edited",
                "orders/partially_fulfilled", "orders/fulfilled"}  # fmt: skip
TOPICS = ORDER_TOPICS | {
    "refunds/create", "customers/update", "payment_terms/create", "payment_terms/update", "payment_schedules/due",
    "customers/data_request", "customers/redact", "shop/redact", "app/uninstalled",
}  # fmt: skip

# Gateways whose provider pays the merchant and collects from the buyer itself: not the merchant's debt.
FINANCED_GATEWAYS = ("klarna", "affirm", "afterpay", "clearpay", "shop_pay_installments", "sezzle", "zip",
                     "paypal pay later", "alma", "scalapay")  # fmt: skip
# Tags that deposit / pre-order apps put on orders whose remaining balance is collected by the app.
DEPOSIT_TAGS = ("deposit", "pre-order", "preorder", "downpay", "partial.ly", "partial payment")
DEFAULT_DUE_DAYS = 14
NOT_DEBT_STATUSES = {"paid", "refunded", "partially_refunded", "voided", "expired", "authorized"}


def order_key(order_id) -> str:
    return f"order:{order_id}"


class Shopify:
    source = "shopify"
    topics = TOPICS

    # --- receiving ---------------------------------------------------------------------------------
    def verify(self, body: bytes, headers, secrets: dict) -> bool:
        """Base64 HMAC-SHA256 of the raw body; the current and the previous secret both count (rotation)."""
        given = headers.get("X-Shopify-Hmac-Sha256") or headers.get("Shopify-Hmac-Sha256") or ""
        if not given:
            return False
        for secret in (secrets.get("webhook_secret"), secrets.get("previous_webhook_secret")):
            if secret:
                mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
                if hmac.compare_digest(mac, given):
                    return True
        return False

    def describe(self, headers, payload) -> tuple[str, str]:
        """(topic, delivery id): retries reuse X-Shopify-Webhook-Id, so it is the dedupe key."""
        return headers.get("X-Shopify-Topic", ""), headers.get("X-Shopify-Webhook-Id", "")

    def is_ping(self, body: bytes, headers) -> bool:
        return False

    # --- processing --------------------------------------------------------------------------------
    def process(self, ctx: Context, topic: str, payload: dict) -> Result:
        if topic in ORDER_TOPICS:
            return self.order(ctx, topic, payload)
        if topic == "refunds/create":
            return self.refund(ctx, payload)
        if topic == "customers/update":
            return self.customer_update(ctx, payload)
        if topic in ("payment_terms/create", "payment_terms/update"):
            return self.payment_terms(ctx, payload)
        if topic == "payment_schedules/due":
            return self.schedule_due(ctx, payload)
        if topic in ("customers/data_request", "customers/redact", "shop/redact"):
            from settle.integrations.privacy import shopify_privacy

            return shopify_privacy(ctx, topic, payload)
        if topic == "app/uninstalled":
            return Result("processed", "app uninstalled: shop/redact follows in about 48 hours")
        return Result("ignored", f"topic {topic} is not used")

    def _customer(self, ctx: Context, order: dict):
        return customer_for(ctx, **self._customer_spec(order))

    def _customer_spec(self, order: dict) -> dict:
        data = order.get("customer") or {}
        billing = order.get("billing_address") or data.get("default_address") or {}
        email = data.get("email") or order.get("email") or order.get("contact_email") or ""
        external = str(data.get("id") or "") or (
            f"email:{email.lower()}" if email else f"order:{order['id']}"
        )
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p) or billing.get(
            "name", ""
        )
        return dict(
            external_id=external, name=name, email=email, phone=data.get("phone") or billing.get("phone") or "",
            country=billing.get("country_code") or "", region=billing.get("province_code") or "",
            city=billing.get("city") or "", locale=(order.get("customer_locale") or "")[:2],
        )  # fmt: skip

    def _skip_reason(self, order: dict) -> str:
        if order.get("test"):
            return "test order"
        gateways = [str(g).lower() for g in order.get("payment_gateway_names") or []]
        for gateway in gateways:
            if any(f in gateway for f in FINANCED_GATEWAYS):
                return f"financed by a third party ({gateway}): the provider collects, not the merchant"
        tags = str(order.get("tags") or "").lower()
        terms = order.get("payment_terms") or {}
        terms_name = str(terms.get("payment_terms_name") or "").lower()
        for tag in DEPOSIT_TAGS:
            if tag in tags or tag in terms_name:
                return (
                    f"deposit or pre-order schedule ({tag}): the app that took the deposit collects the rest"
                )
        return ""

    def _due(self, ctx: Context, order: dict, issued_at):
        """(due date or None, terms label): terms' first incomplete schedule, else the per-method policy."""
        terms = order.get("payment_terms")
        if terms:
            for schedule in terms.get("payment_schedules") or []:
                if not schedule.get("completed_at") and schedule.get("due_at"):
                    return parse_time(schedule["due_at"], "payment_terms.payment_schedules.due_at").date(), (
                        terms.get("payment_terms_name") or terms.get("payment_terms_type") or "terms"
                    )
            return None, str(terms.get("payment_terms_type") or "terms")
        policy = ctx.setting("due_days", {}) or {}
        gateways = [str(g).lower() for g in order.get("payment_gateway_names") or []]
        days = next(
            (policy[g] for g in gateways if g in policy), ctx.setting("default_due_days", DEFAULT_DUE_DAYS)
        )
        return (issued_at + timedelta(days=int(days))).date(), f"policy: {days} days"

    def order(self, ctx: Context, topic: str, order: dict) -> Result:
        if "id" not in order:
            raise MappingError("id", "missing")
        order_id = str(order["id"])
        version = parse_time(order.get("updated_at") or order.get("created_at"), "updated_at")
        obj = claim_version(ctx, "order", order_id, version)
        if obj is None:
            return Result("ignored", "stale: a newer state of this order was already applied")
        currency = parse_currency(order.get("currency"), "currency")
        total = parse_decimal_money(order.get("current_total_price") or order.get("total_price"), currency,
                                    "current_total_price")  # fmt: skip
        outstanding = parse_decimal_money(order.get("total_outstanding", "0"), currency, "total_outstanding")
        status = str(order.get("financial_status") or "").lower()
        terms = order.get("payment_terms") or {}
        if terms.get("id"):
            terms_obj = claim_version(ctx, "terms", str(terms["id"]), None)
            save_synced(terms_obj, state="linked", data={"order_id": order_id})
        receivable = obj.receivable or receivable_of(ctx, order_id)
        stored = receivable  # the lookup above, made under the sync row's lock
        ref = version.isoformat()
        releases = (
            (order_key(order_id), f"terms:{terms.get('id')}") if terms.get("id") else (order_key(order_id),)
        )

        if order.get("cancelled_at") or topic == "orders/cancelled":
            closed = receivable is not None and receivable_void(
                ctx, receivable, memo="order cancelled in Shopify"
            )
            save_synced(obj, state="cancelled", receivable=receivable)
            return Result("processed", "order cancelled" + (": balance credited" if closed else ""), releases)
        if receivable is not None and (status in ("paid", "refunded", "voided") or outstanding.minor <= 0):
            if status == "voided":
                receivable_void(ctx, receivable, memo="order voided in Shopify")
            else:
                receivable_settle(ctx, receivable, ref=ref)
            save_synced(obj, state=status or "paid", receivable=receivable)
            return Result("processed", f"order {status or 'paid'}: nothing owed", releases)
        skip = self._skip_reason(order)
        if skip:
            save_synced(obj, state="skipped", note=skip)
            return Result("skipped", skip, releases)
        if status in NOT_DEBT_STATUSES or outstanding.minor <= 0:
            save_synced(obj, state=status or "settled", note="nothing outstanding")
            return Result("skipped", f"not a debt: financial status {status or 'unknown'}", releases)
        issued_at = parse_time(order.get("processed_at") or order.get("created_at"), "processed_at")
        due_date, terms_label = self._due(ctx, order, issued_at)
        if due_date is None:
            save_synced(obj, state="awaiting_due_date", note=f"{terms_label}: the due date comes with payment_terms/update",
                        data={"order": _order_facts(order)})  # fmt: skip
            return Result("skipped", f"{terms_label} terms: waiting for the due date", releases)
        customer = self._customer(ctx, order)
        receivable = receivable_sync(
            ctx, absent=stored is None, customer=customer, external_id=order_id, amount=total, outstanding=outstanding, due_date=due_date,
            issued_at=issued_at, ref=ref, number=str(order.get("name") or order.get("order_number") or order_id),
            terms=terms_label, description=f"Shopify order {order.get('name') or order_id}",
        )  # fmt: skip
        save_synced(
            obj, state="open", receivable=receivable, customer=customer, data={"order": _order_facts(order)}
        )
        if not terms and ctx.setting("write_back_terms"):
            from settle.integrations.services import write_back_queue

            write_back_queue(ctx=ctx, action="payment_terms_create", external_id=order_id,
                             payload={"due_date": due_date.isoformat()})  # fmt: skip
        return Result(
            "processed", f"receivable {receivable.number}: {receivable.balance} due {due_date}", releases
        )

    def new_debt(self, ctx: Context, topic: str, order: dict) -> NewDebt | None:
        """The batch path's question: if this order is new to Settle, is it just an open debt?

        Mirrors `order` for an order with no sync row and no receivable, and answers None for everything
        that path does differently (cancelled, skipped, not a debt, partly paid, payment terms with their own
        sync row, a field that does not parse): those go through `order` one by one, which says why.
        """
        if topic not in ORDER_TOPICS or topic == "orders/cancelled" or order.get("cancelled_at"):
            return None
        if "id" not in order or order.get("payment_terms"):
            return None
        try:
            version = parse_time(order.get("updated_at") or order.get("created_at"), "updated_at")
            currency = parse_currency(order.get("currency"), "currency")
            total = parse_decimal_money(order.get("current_total_price") or order.get("total_price"), currency,
                                        "current_total_price")  # fmt: skip
            outstanding = parse_decimal_money(
                order.get("total_outstanding", "0"), currency, "total_outstanding"
            )
            status = str(order.get("financial_status") or "").lower()
            if self._skip_reason(order) or status in NOT_DEBT_STATUSES or outstanding.minor <= 0:
                return None
            if outstanding != total:  # partly paid at the shop: the payment is recorded one by one
                return None
            issued_at = parse_time(order.get("processed_at") or order.get("created_at"), "processed_at")
            due_date, terms_label = self._due(ctx, order, issued_at)
        except MappingError:
            return None
        order_id = str(order["id"])
        write_back = None
        if ctx.setting("write_back_terms"):
            write_back = ("payment_terms_create", {"due_date": due_date.isoformat()})
        return NewDebt(
            kind="order", external_id=order_id, version=version, customer=self._customer_spec(order),
            amount=total, due_date=due_date, issued_at=issued_at,
            number=str(order.get("name") or order.get("order_number") or order_id)[:100], terms=terms_label[:50],
            description=f"Shopify order {order.get('name') or order_id}"[:500], data={"order": _order_facts(order)},
            releases=(order_key(order_id),), write_back=write_back,
        )  # fmt: skip

    def payment_terms(self, ctx: Context, terms: dict) -> Result:
        terms_id = str(terms.get("id") or "")
        if not terms_id:
            raise MappingError("id", "missing")
        link = synced(ctx, "terms", terms_id)
        if link is None or not link.data.get("order_id"):
            raise Held(f"terms:{terms_id}", "payment terms for an order not seen yet")
        order_obj = synced(ctx, "order", link.data["order_id"])
        facts = dict((order_obj.data or {}).get("order") or {}) if order_obj else {}
        if not facts:
            raise Held(order_key(link.data["order_id"]), "order not seen yet")
        facts["payment_terms"] = terms
        # The order's state is as new as the newer of its last update and these terms.
        times = [t for t in (facts.get("updated_at"), terms.get("updated_at")) if t]
        facts["updated_at"] = max(times, key=lambda t: parse_time(t, "updated_at")) if times else None
        return self.order(ctx, "orders/updated", facts)

    def schedule_due(self, ctx: Context, schedule: dict) -> Result:
        """Fires once on the due date and names only the terms: find the order through the stored link."""
        terms_id = str(schedule.get("payment_terms_id") or "")
        link = synced(ctx, "terms", terms_id) if terms_id else None
        if link is None:
            raise Held(f"terms:{terms_id}", "schedule due for payment terms not seen yet")
        receivable = receivable_of(ctx, link.data.get("order_id", ""))
        if receivable is None:
            return Result("ignored", "schedule due, but its order is not a debt Settle tracks")
        from settle.cases.services import case_touch
        from settle.integrations.shop_reminders import shopify_due_detected

        counted = shopify_due_detected(connection=ctx.connection, receivable=receivable, at=ctx.now)
        case_touch(customer=receivable.customer, currency=receivable.currency, at=ctx.now)
        shop = "; Shopify's own reminder counted as a contact" if counted else ""
        return Result("processed", f"schedule due for {receivable.number}: case re-checked now{shop}")

    def refund(self, ctx: Context, refund: dict) -> Result:
        """Money returned for an order: undo the recorded payment for the refunded amount.

        The order's next update lowers its total by the same amount (an adjustment), so a refund for
        returned goods leaves nothing owed, while a refund of a payment alone reopens the balance.
        """
        order_id = str(refund.get("order_id") or "")
        receivable = receivable_of(ctx, order_id)
        if receivable is None:
            raise Held(order_key(order_id), "refund for an order not seen yet")
        from settle.ledger.services import refund_record

        done = []
        payments = list(payments_of(ctx, receivable).order_by("-received_at"))
        for txn in refund.get("transactions") or []:
            if txn.get("kind") != "refund" or txn.get("status") != "success":
                continue
            currency = parse_currency(txn.get("currency") or receivable.currency, "transactions.currency")
            amount = parse_decimal_money(txn.get("amount"), currency, "transactions.amount")
            ref = f"shopify-refund:{txn.get('id')}"
            payment = next((p for p in payments if p.amount_minor - p.refunded_minor >= amount.minor), None)
            if payment is None or payment.entries.filter(source_ref=ref).exists():
                continue
            refund_record(
                payment=payment, amount=amount, at=ctx.now, memo="refund in Shopify", source_ref=ref
            )
            payment.refresh_from_db()
            done.append(str(amount))
        return Result("processed", f"refunds recorded: {', '.join(done) or 'none to apply'}")

    def customer_update(self, ctx: Context, data: dict) -> Result:
        customer_id = str(data.get("id") or "")
        version = parse_time(data.get("updated_at") or data.get("created_at"), "updated_at")
        obj = claim_version(ctx, "customer", customer_id, version)
        if obj is None:
            return Result("ignored", "stale: newer customer data was already applied")
        address = data.get("default_address") or {}
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        customer = customer_for(ctx, external_id=customer_id, name=name, email=data.get("email") or "",
                                phone=data.get("phone") or "", country=address.get("country_code") or "",
                                region=address.get("province_code") or "", city=address.get("city") or "",
                                update=True)  # fmt: skip
        save_synced(obj, state="updated", customer=customer)
        return Result("processed", f"customer {customer.pk} updated")


def _order_facts(order: dict) -> dict:
    """The parts of an order needed to re-evaluate it when its terms change (no line items, no addresses)."""
    keep = ("id", "name", "order_number", "currency", "total_price", "current_total_price", "total_outstanding",
            "financial_status", "processed_at", "created_at", "updated_at", "cancelled_at", "test", "tags",
            "payment_gateway_names", "email", "customer_locale", "customer", "billing_address", "payment_terms")  # fmt: skip
    return {k: order.get(k) for k in keep}
