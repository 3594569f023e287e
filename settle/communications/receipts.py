"""Delivery receipts: anymail tracking events (bounces, complaints) and provider status callbacks.

A hard bounce or a spam complaint disables the contact point; the case is touched so the engine picks another
channel at once. Events find their Message by the code we sent as metadata (or the provider's message id).
"""

from __future__ import annotations

import logging

from anymail.signals import tracking
from django.dispatch import receiver

from settle.core import clock

from .models import Message

log = logging.getLogger("settle.communications.receipts")

PERMANENT_EVENTS = {"bounced", "rejected", "complained", "unsubscribed"}


def message_for_event(*, code: str | None, provider_ref: str | None) -> Message | None:
    qs = Message.objects.select_related("customer", "contact_point", "case")
    if code:
        found = qs.filter(code=code).first()
        if found:
            return found
    if provider_ref:
        return qs.filter(provider_ref=provider_ref).first()
    return None


def receipt_record(*, message: Message, status: str, detail: str = "") -> None:
    """Store a receipt; permanent failures disable the point and ask the engine for another channel."""
    from settle.cases.services import case_touch
    from settle.customers.services import contact_point_disable

    from .optout import opt_out

    now = clock.now()
    Message.objects.filter(pk=message.pk).update(delivery_status=status[:20])
    if status in PERMANENT_EVENTS and message.contact_point is not None:
        if status in {"complained", "unsubscribed"}:
            opt_out(customer=message.customer, channel=message.channel, source="unsubscribe" if status ==
                    "unsubscribed" else "complaint", at=now, note=detail[:300])  # fmt: skip
        else:
            contact_point_disable(point=message.contact_point, reason=f"{status}: {detail}"[:500], at=now)
        if message.case_id:
            case_touch(customer=message.customer, currency=message.case.currency, at=now)


@receiver(tracking, dispatch_uid="settle-anymail-tracking")
def on_anymail_tracking(sender, event, esp_name, **kwargs):
    code = (event.metadata or {}).get("settle_code")
    message = message_for_event(code=code, provider_ref=event.message_id)
    if message is None:
        log.info("%s tracking event %s for an unknown message", esp_name, event.event_type)
        return
    receipt_record(
        message=message, status=event.event_type, detail=event.description or event.mta_response or ""
    )
