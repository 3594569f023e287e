"""Reads for imports, always scoped by merchant: another merchant's job id is simply not found."""

from __future__ import annotations

from django.db.models import QuerySet

from settle.merchants.models import Merchant

from .models import ImportJob, ImportRowError


def import_job_list(*, merchant: Merchant, limit: int = 50) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(merchant=merchant).order_by("-created_at", "-id")[:limit]


def import_job_get(*, merchant: Merchant, job_id: int) -> ImportJob:
    """Raises ImportJob.DoesNotExist for a missing id and for another merchant's id alike."""
    return ImportJob.objects.get(merchant=merchant, pk=job_id)


def import_error_page(
    *, merchant: Merchant, job_id: int, after: int = 0, limit: int = 100
) -> tuple[list[ImportRowError], int | None]:
    """One page of a job's row errors in row order, after the cursor `after` (an error id); returns
    (errors, next cursor or None)."""
    job = import_job_get(merchant=merchant, job_id=job_id)
    errors = list(job.row_errors.filter(pk__gt=after).order_by("id")[: limit + 1])
    more = len(errors) > limit
    errors = errors[:limit]
    return errors, (errors[-1].pk if more else None)
