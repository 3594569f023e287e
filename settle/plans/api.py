"""Installment plans over the API: list a case's plans, agree one, cancel one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from settle.api import merchant_of, require_role
from settle.cases.selectors import case_get
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.merchants.models import Role

from .models import Plan
from .services import owed_minor, plan_cancel, plan_create, schedule_even

router = Router(tags=["plans"])


class InstallmentOut(Schema):
    number: int
    due_date: date
    amount_minor: int


class PlanOut(Schema):
    id: int
    case_id: int
    currency: str
    total_minor: int
    status: str
    grace_days: int
    source: str
    created_at: datetime
    created_by: str
    ended_at: datetime | None
    ended_note: str
    next_check_at: datetime | None
    installments: list[InstallmentOut]


class InstallmentIn(Schema):
    due_date: date
    amount_minor: int


class PlanIn(Schema):
    installments: list[InstallmentIn] | None = Field(None, description="An explicit schedule, or use count…")
    count: int | None = Field(None, description="Even installments of what the case owes now")
    first_due_date: date | None = None
    every_days: int = Field(30, description="Days between even installments")
    grace_days: int = Field(3, description="Days after an installment's due date before the plan breaks")
    source: Literal["collector", "customer", "api"] = "api"


class CancelIn(Schema):
    note: str = Field("", max_length=300)


def _out(plan: Plan) -> dict:
    return {**{f: getattr(plan, f) for f in ("id", "case_id", "currency", "total_minor", "status", "grace_days",
                                              "source", "created_at", "created_by", "ended_at", "ended_note",
                                              "next_check_at")},
            "installments": list(plan.installments.all())}  # fmt: skip


@router.get("/{case_id}/plans", response=list[PlanOut])
def list_plans(request: HttpRequest, case_id: int):
    """The case's plans, newest first, with their schedules."""
    case = case_get(merchant=merchant_of(request), case_id=case_id)
    return [_out(p) for p in case.plans.prefetch_related("installments")]


@router.post(
    "/{case_id}/plans", response={201: PlanOut}, summary="Agree an installment plan (pauses escalation)"
)
def create_plan(request: HttpRequest, case_id: int, payload: PlanIn):
    """Either `installments` (dates and amounts adding up to what the case owes now) or `count` +
    `first_due_date` (+ `every_days`) for an even split. Emits `plan.created`."""
    require_role(request, Role.COLLECTOR)
    case = case_get(merchant=merchant_of(request), case_id=case_id)
    if payload.installments:
        schedule = [(i.due_date, Money(i.amount_minor, case.currency)) for i in payload.installments]
    elif payload.count is not None and payload.first_due_date is not None:
        schedule = schedule_even(total=Money(owed_minor(case), case.currency), count=payload.count,
                                 first_due=payload.first_due_date, every_days=payload.every_days)  # fmt: skip
    else:
        raise FieldError("installments", "give installments, or count and first_due_date")
    plan = plan_create(case=case, schedule=schedule, by=f"API key {request.auth.name}", source=payload.source,
                       grace_days=payload.grace_days)  # fmt: skip
    return Status(201, _out(plan))


@router.post("/{case_id}/plans/{plan_id}/cancel", response=PlanOut, summary="Cancel an active plan")
def cancel_plan(request: HttpRequest, case_id: int, plan_id: int, payload: CancelIn):
    """End the plan by agreement; the strategy resumes now."""
    require_role(request, Role.MANAGER)
    plan = Plan.objects.get(merchant=merchant_of(request), case_id=case_id, pk=plan_id)
    return _out(plan_cancel(plan=plan, by=f"API key {request.auth.name}", note=payload.note))
