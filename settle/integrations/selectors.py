"""Reads for integrations; every function takes the merchant."""

from django.db.models import QuerySet

from settle.merchants.models import Merchant

from .models import Connection, InboundEvent


def connection_list(*, merchant: Merchant) -> QuerySet:
    return Connection.objects.filter(merchant=merchant, disconnected_at__isnull=True).order_by("source")


def event_list(*, merchant: Merchant, status: str = "") -> QuerySet:
    qs = InboundEvent.objects.filter(merchant=merchant).defer("body").order_by("-id")
    return qs.filter(status=status) if status else qs


def shop_reminders_for(*, merchant: Merchant) -> list[str]:
    """The reminders the merchant's shops send themselves (declared or detected at connection time).

    Each such reminder is recorded as a contact when the shop sends it (`shop_reminders.py`), so it counts
    against the same contact budget as Settle's own messages.
    """
    seen: list[str] = []
    for conn in connection_list(merchant=merchant):
        seen.extend(r for r in conn.shop_reminders if r not in seen)
    return seen
