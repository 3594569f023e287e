"""Reads for cases: always scoped by merchant (another merchant's case id is simply not found)."""

from __future__ import annotations

import base64

from django.db.models import QuerySet

from settle.customers.validation import FieldError
from settle.merchants.models import Merchant

from .models import Case, CaseEvent, Strategy


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise FieldError("cursor", "is not a cursor this API returned") from None


def encode_cursor(case_id: int) -> str:
    return base64.urlsafe_b64encode(str(case_id).encode()).decode()


def case_list(*, merchant: Merchant, status: str = "open", customer_id: int | None = None, stage: str = "",
              segment: str = "", cursor: str = "", limit: int = 50) -> tuple[list[Case], str | None]:  # fmt: skip
    """Newest first, keyset-paginated by id (stable under inserts); returns (cases, next cursor)."""
    if status not in ("open", "closed", "all"):
        raise FieldError("status", "must be open, closed or all")
    if not 1 <= limit <= 200:
        raise FieldError("limit", "must be between 1 and 200")
    qs: QuerySet = Case.objects.filter(merchant=merchant).select_related(
        "customer", "strategy_version__strategy"
    )
    if status == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_at__isnull=False)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if stage:
        qs = qs.filter(stage=stage)
    if segment:
        qs = qs.filter(segment=segment)
    if cursor:
        qs = qs.filter(id__lt=_decode_cursor(cursor))
    items = list(qs.order_by("-id")[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, (encode_cursor(items[-1].pk) if more and items else None)


def case_get(*, merchant: Merchant, case_id: int) -> Case:
    return Case.objects.select_related("customer", "strategy_version__strategy").get(
        merchant=merchant, pk=case_id
    )


def case_timeline(*, merchant: Merchant, case: Case) -> dict:
    """The decision log with what each decision scheduled, and the case's messages and tasks."""
    from settle.communications.models import Message
    from settle.workdesk.models import Task

    return {
        "events": list(CaseEvent.objects.filter(merchant=merchant, case=case).order_by("at", "id")),
        "messages": list(Message.objects.filter(merchant=merchant, case=case).order_by("not_before", "id")),
        "tasks": list(Task.objects.filter(merchant=merchant, case=case).order_by("due_at", "id")),
    }


def strategy_list(*, merchant: Merchant) -> QuerySet:
    """The merchant's own strategies and the shipped defaults, in the order the engine tries them."""
    from django.db.models import Q

    return (
        Strategy.objects.filter(Q(merchant=merchant) | Q(merchant__isnull=True))
        .select_related("current_version")
        .order_by("priority", "id")
    )


def strategy_get(*, merchant: Merchant, strategy_id: int) -> Strategy:
    from django.db.models import Q

    return Strategy.objects.select_related("current_version").get(
        Q(merchant=merchant) | Q(merchant__isnull=True), pk=strategy_id
    )
