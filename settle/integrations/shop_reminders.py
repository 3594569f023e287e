"""The shops' own reminders, counted against the same contact budget as Settle's.

A merchant declares at connection time which reminders the shop already sends (Shopify payment reminders or a
Flow, Stripe invoice reminders, WooCommerce follow-up emails). Each one the shop sends is recorded as a contact
of the customer — a `Message` marked sent *by the shop*, never delivered by Settle — so the engine's frequency
caps, cooling-off and one-a-day rule see it and the customer never gets Settle's reminder on top of the shop's.

When is one sent? Shopify's `payment_schedules/due` webhook fires exactly when its due-date reminder goes out,
so with Shopify reminders declared that event records it (detected). Otherwise the declared days relative to the
due date apply (`Connection.settings["shop_reminder_days"]`, defaults below): a worker job (order 28, before the
engine) records the ones whose day has come. Both use one idempotency key per connection × kind × day ×
receivable, so a reminder is counted once however it was learnt.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.db import transaction

from settle.cases.models import Case
from settle.communications.models import Message
from settle.core import clock
from settle.ledger.models import Receivable

from .models import Connection

# Days after the due date on which each declared kind sends (0 = on the due date, negative = before it).
DEFAULT_DAYS = {
    "shopify_payment_reminders": (0,),
    "shopify_flow": (0,),
    "stripe_invoice_reminders": (0,),
    "woocommerce_follow_ups": (1,),
}
LABELS = {
    "shopify_payment_reminders": "Shopify payment reminder",
    "shopify_flow": "Shopify Flow reminder",
    "stripe_invoice_reminders": "Stripe invoice reminder",
    "woocommerce_follow_ups": "WooCommerce follow-up email",
}
CATCH_UP_DAYS = 2  # a worker that was down records what the shop sent meanwhile
TEMPLATE_KEY = "shop_reminder"


def reminder_days(connection: Connection) -> dict[str, tuple[int, ...]]:
    """The declared kinds that are counted, with their days relative to the due date."""
    custom = connection.settings.get("shop_reminder_days") or {}
    return {
        kind: tuple(int(d) for d in custom.get(kind, DEFAULT_DAYS[kind]))
        for kind in connection.shop_reminders
        if kind in DEFAULT_DAYS
    }


def _key(connection: Connection, kind: str, day: int, receivable_id: int) -> str:
    return f"shop-{connection.pk}-{kind}-{day}-{receivable_id}"


def record(
    *, connection: Connection, kind: str, day: int, receivables: list[Receivable], at: datetime
) -> int:
    """Record the shop's reminder for each receivable as a sent contact; returns how many were new."""
    if not receivables:
        return 0
    cases = {
        (c, cur): pk
        for pk, c, cur in Case.objects.filter(
            customer_id__in={r.customer_id for r in receivables}, closed_at__isnull=True
        ).values_list("id", "customer_id", "currency")
    }
    label = LABELS.get(kind, kind)
    rows = [
        Message(
            merchant_id=r.merchant_id, case_id=cases.get((r.customer_id, r.currency)), customer_id=r.customer_id,
            step_key=kind, channel="email", template_key=TEMPLATE_KEY, status="sent", not_before=at, sent_at=at,
            status_reason=f"sent by the shop ({label}, declared at connection); counted against the contact budget",
            context={"receivable": r.number, "source": connection.source, "day": day},
            idempotency_key=_key(connection, kind, day, r.pk),
        )
        for r in receivables
    ]  # fmt: skip
    before = Message.objects.filter(idempotency_key__in=[m.idempotency_key for m in rows]).count()
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows) - before


def shop_reminders_record(now: datetime) -> int:
    """Worker job (order 28): record the declared reminders whose day has come (cost: connections with
    declarations × receivables due on those few days, through the (merchant, status, due_date) index)."""
    done = 0
    for connection in Connection.objects.filter(disconnected_at__isnull=True).exclude(shop_reminders=[]):
        days = reminder_days(connection)
        if not days:
            continue
        today = now.astimezone(zoneinfo.ZoneInfo(connection.merchant.timezone or "UTC")).date()
        for kind, offsets in days.items():
            for day in offsets:
                due_to = today - timedelta(days=day)
                due = list(
                    Receivable.objects.filter(
                        merchant_id=connection.merchant_id, status="open", source=connection.source,
                        due_date__gt=due_to - timedelta(days=CATCH_UP_DAYS), due_date__lte=due_to,
                    )
                )  # fmt: skip
                with transaction.atomic():
                    done += record(connection=connection, kind=kind, day=day, receivables=due, at=now)
    return done


def shopify_due_detected(
    *, connection: Connection | None, receivable: Receivable, at: datetime | None = None
) -> int:
    """`payment_schedules/due` arrived: Shopify's due-date reminder (if declared) goes out now; count it."""
    if connection is None:
        return 0
    kinds = [k for k, days in reminder_days(connection).items() if k.startswith("shopify") and 0 in days]
    return sum(
        record(connection=connection, kind=k, day=0, receivables=[receivable], at=at or clock.now())
        for k in kinds
    )
