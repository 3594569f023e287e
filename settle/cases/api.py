"""Cases over the API: list (filters, cursor pagination) and one case with its full decision log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from settle.api import merchant_of, require_role
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.ledger.models import Receivable
from settle.merchants.models import Role

from .disputes import dispute_open, dispute_resolve
from .models import Dispute
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
    disputed_since: datetime | None
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


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class DisputeOut(Schema):
    id: int
    case_id: int
    receivable_id: int | None
    reason: str
    source: str
    status: str
    opened_at: datetime
    opened_by: str
    resolved_at: datetime | None
    resolved_by: str
    resolution_note: str
    credited_minor: int


class DisputeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000, description="What the customer contests")
    receivable_id: int | None = Field(None, description="The one receivable disputed, if it is one")
    source: Literal["collector", "customer", "api", "shop"] = "api"


class ResolveIn(Schema):
    outcome: Literal["upheld", "rejected"]
    note: str = Field("", max_length=1000)
    credit_minor: int | None = Field(
        None,
        gt=0,
        description="Upheld: the amount to credit on the disputed receivable (default: all it owes)",
    )


class CaseDetail(CaseOut):
    events: list[EventOut]
    messages: list[MessageOut]
    tasks: list[TaskOut]
    disputes: list[DisputeOut]


def _case(case) -> dict:
    version = case.strategy_version
    return {
        "id": case.pk, "customer_id": case.customer_id, "customer_name": case.customer.name,
        "currency": case.currency, "stage": case.stage, "segment": case.segment,
        "strategy": version.strategy.name if version else None, "strategy_version": version.number if version else None,
        "last_step": case.last_step, "opened_at": case.opened_at, "closed_at": case.closed_at,
        "outcome": case.outcome, "next_check_at": case.next_check_at, "paused_until": case.paused_until,
        "last_error": case.last_error, "disputed_since": case.disputed_since,
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
    return {**_case(case), **timeline, "disputes": list(case.disputes.all())}


@router.get("/{case_id}/disputes", response=list[DisputeOut])
def list_disputes(request: HttpRequest, case_id: int):
    """Every dispute of the case, newest first."""
    return list(case_get(merchant=merchant_of(request), case_id=case_id).disputes.all())


@router.post(
    "/{case_id}/disputes", response={201: DisputeOut}, summary="Record a dispute (pauses collection)"
)
def create_dispute(request: HttpRequest, case_id: int, payload: DisputeIn):
    """The customer contests the debt: collection pauses (queued reminders are cancelled when due) until the
    dispute is resolved."""
    require_role(request, Role.COLLECTOR)
    merchant = merchant_of(request)
    case = case_get(merchant=merchant, case_id=case_id)
    receivable = None
    if payload.receivable_id is not None:
        receivable = Receivable.objects.filter(merchant=merchant, pk=payload.receivable_id).first()
        if receivable is None:
            raise FieldError("receivable_id", "no such receivable")
    by = f"API key {request.auth.name}"
    return Status(201, dispute_open(case=case, reason_text=payload.reason, by=str(by), source=payload.source,
                                    receivable=receivable))  # fmt: skip


@router.post("/{case_id}/disputes/{dispute_id}/resolve", response=DisputeOut, summary="Resolve a dispute")
def resolve_dispute(request: HttpRequest, case_id: int, dispute_id: int, payload: ResolveIn):
    """Upheld: the disputed receivable is credited (`credit_minor`, or all it owes); rejected: the debt stands.
    Collection resumes when no dispute of the case is left open."""
    require_role(request, Role.MANAGER)
    merchant = merchant_of(request)
    dispute = Dispute.objects.get(merchant=merchant, case_id=case_id, pk=dispute_id)
    credit = Money(payload.credit_minor, dispute.case.currency) if payload.credit_minor else None
    by = f"API key {request.auth.name}"
    return dispute_resolve(
        dispute=dispute, outcome=payload.outcome, by=str(by), note=payload.note, credit=credit
    )
