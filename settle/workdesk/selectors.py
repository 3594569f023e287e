"""Reads for the work queue, scoped by merchant (another merchant's task id is simply not found)."""

from django.db.models import QuerySet

from settle.merchants.models import Merchant

from .models import Task


def task_queue(*, merchant: Merchant, limit: int = 200) -> QuerySet:
    """Open tasks, the most urgent first."""
    return (
        Task.objects.filter(merchant=merchant, status="open")
        .select_related("customer", "case")
        .order_by("due_at", "id")[:limit]
    )


def task_get(*, merchant: Merchant, task_id: int) -> Task:
    """One task of the merchant; raises Task.DoesNotExist for anyone else's."""
    return Task.objects.select_related("customer", "case").get(merchant=merchant, pk=task_id)


def task_list(*, merchant: Merchant, status: str = "open", case_id: int | None = None) -> QuerySet:
    qs = Task.objects.filter(merchant=merchant).select_related("customer")
    if status != "all":
        qs = qs.filter(status=status)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs.order_by("due_at", "id")
