"""Cases over the API: list (filters, cursor pagination) and one case with its full decision log."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from settle.api import merchant_of

from .selectors import case_get, case_list, case_timeline

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    currency: str
    stage: str
    segment: str
    strategy: str | None
    strategy_version: int | None
    last_step: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str
    next_check_at: datetime | None
    paused_until: datetime | None
    last_error: str


class ReasonOut(Schema):
    code: str
    text: dict[str, str]
    source: str


class EventOut(Schema):
    at: datetime
    kind: str
    step_key: str
    action: str
    segment: str
    stage: str
    reasons: list[ReasonOut]
    scheduled: dict
    next_check_at: datetime | None


class MessageOut(Schema):
    id: int
    step_key: str
    channel: str
    template_key: str
    tone: str
    locale: str
    status: str
    status_reason: str
    not_before: datetime
    sent_at: datetime | None
    context: dict


class TaskOut(Schema):
    id: int
    kind: str
    step_key: str
    note: str
    status: str
    due_at: datetime
    outcome: str
    outcome_note: str


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseDetail(CaseOut):
    events: list[EventOut]
    messages: list[MessageOut]
    tasks: list[TaskOut]


def _case(case) -> dict:
    version = case.strategy_version
    return {
        "id": case.pk, "customer_id": case.customer_id, "customer_name": case.customer.name,
        "currency": case.currency, "stage": case.stage, "segment": case.segment,
        "strategy": version.strategy.name if version else None, "strategy_version": version.number if version else None,
        "last_step": case.last_step, "opened_at": case.opened_at, "closed_at": case.closed_at,
        "outcome": case.outcome, "next_check_at": case.next_check_at, "paused_until": case.paused_until,
        "last_error": case.last_error,
    }  # fmt: skip


@router.get("/", response=CasePage)
def list_cases(request: HttpRequest, status: str = "open", customer_id: int | None = None, stage: str = "",
               segment: str = "", cursor: str = "", limit: int = 50):  # fmt: skip
    """Cases of the caller's merchant, newest first; pass `next_cursor` back as `cursor` for the next page."""
    items, next_cursor = case_list(merchant=merchant_of(request), status=status, customer_id=customer_id,
                                   stage=stage, segment=segment, cursor=cursor, limit=limit)  # fmt: skip
    return {"items": [_case(c) for c in items], "next_cursor": next_cursor}


@router.get("/{case_id}", response=CaseDetail)
def get_case(request: HttpRequest, case_id: int):
    """One case with every decision (reasons in en/pl/ru/de with their legal source), messages and tasks."""
    merchant = merchant_of(request)
    case = case_get(merchant=merchant, case_id=case_id)
    timeline = case_timeline(merchant=merchant, case=case)
    return {**_case(case), **timeline}
