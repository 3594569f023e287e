"""Reads for the work queue, scoped by merchant."""

from django.db.models import QuerySet

from settle.merchants.models import Merchant

from .models import Task


def task_queue(*, merchant: Merchant, limit: int = 200) -> QuerySet:
    """Open tasks, the most urgent first."""
    return (
        Task.objects.filter(merchant=merchant, status="open")
        .select_related("customer")
        .order_by("due_at", "id")[:limit]
    )
