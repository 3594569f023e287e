"""Reads for outreach pages; every one takes the merchant."""

from __future__ import annotations

from django.db.models import QuerySet

from settle.merchants.models import Merchant

from .models import Message, MessageStatus, MessageTemplate


def message_review_list(*, merchant: Merchant) -> QuerySet[Message]:
    """Messages whose delivery nobody can confirm (a crash after hand-over): a person decides."""
    return (
        Message.objects.filter(merchant=merchant, status=MessageStatus.UNKNOWN)
        .select_related("customer", "contact_point")
        .order_by("handed_over_at", "id")
    )


def message_get(*, merchant: Merchant, message_id: int) -> Message:
    return Message.objects.select_related("customer").get(merchant=merchant, pk=message_id)


def message_template_list(*, merchant: Merchant) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(merchant=merchant).order_by("template_key", "tone", "locale")
