"""Tasks over the API: the work queue, one task, and recording its outcome (a call, a promise, a handoff).

Recording needs a collector key; approving or declining an agency handoff a manager key. Promise amounts are
integer minor units in the case's currency. The shared middleware handles `Idempotency-Key` on the POST.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from settle.api import merchant_of, require_role
from settle.apikit.pagination import Page, PageParams, paginate
from settle.apikit.schemas import MAX_MINOR, Id, InputSchema
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.merchants.models import Role

from .models import Outcome
from .selectors import task_get, task_list
from .services import needs_manager, task_complete

router = Router(tags=["tasks"])

OutcomeName = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]


class TaskOut(Schema):
    id: int = Field(..., examples=[12])
    case_id: int | None = Field(None, examples=[7])
    customer_id: int = Field(..., examples=[42])
    kind: str = Field(
        ..., examples=["call"], description="call, contact, review, final_notice, agency_handoff"
    )
    step_key: str
    note: str
    status: str = Field(..., examples=["open"])
    due_at: datetime
    created_at: datetime
    closed_at: datetime | None
    outcome: str = Field(..., examples=[""], description="Empty while open.")
    outcome_note: str
    completed_by: str = Field(..., examples=["anna"], description="User or API key that closed it.")
    outcomes: list[str] = Field(..., description="The outcomes this task may be closed with.")

    @staticmethod
    def resolve_completed_by(obj) -> str:
        return obj.completed_by_label

    @staticmethod
    def resolve_outcomes(obj) -> list[str]:
        return obj.outcomes()


class TaskFilters(PageParams):
    status: Literal["open", "done", "cancelled", "all"] = "open"
    case_id: int | None = None


class OutcomeIn(InputSchema):
    outcome: OutcomeName = Field(..., examples=["reached"])
    note: str = Field("", max_length=500, examples=[""],
                      description="What happened; required to decline a handoff.")  # fmt: skip
    promise_amount_minor: int | None = Field(None, gt=0, le=MAX_MINOR, examples=[5000],
                                             description="For a promise: minor units of the case's currency.")  # fmt: skip
    promised_for: date | None = Field(
        None, examples=["2026-12-10"], description="For a promise: pays by this day."
    )


@router.get("/", response=Page(TaskOut), summary="List tasks (the work queue), most urgent first")
def tasks_list(request, filters: Query[TaskFilters]):
    qs = task_list(merchant=merchant_of(request), status=filters.status, case_id=filters.case_id)
    return paginate(request, qs, ordering=("due_at", "id"), params=filters)


@router.get("/{task_id}", response=TaskOut, summary="Get a task")
def task_detail(request, task_id: Id):
    return task_get(merchant=merchant_of(request), task_id=task_id)


@router.post("/{task_id}/outcome", response=TaskOut, summary="Record a task's outcome and close it")
def task_outcome(request, task_id: Id, payload: OutcomeIn):
    """reached, no_answer, wrong_number, promise (with `promise_amount_minor` and `promised_for`), dispute or
    done; an agency_handoff task takes handoff_approved (refused with 422 while the handoff is not lawful)
    or handoff_declined (with a note). 409 when the task is already closed."""
    require_role(request, Role.MANAGER if needs_manager(payload.outcome) else Role.COLLECTOR)
    task = task_get(merchant=merchant_of(request), task_id=task_id)
    amount = None
    if payload.promise_amount_minor is not None:
        if task.case_id is None:
            raise FieldError("promise_amount_minor", "this task belongs to no case")
        amount = Money(payload.promise_amount_minor, task.case.currency)
    try:
        return task_complete(task=task, outcome=payload.outcome, note=payload.note, by=request.auth,
                             promise_amount=amount, promised_for=payload.promised_for)  # fmt: skip
    except FieldError as exc:
        if exc.field == "promise_amount":  # the service's name; report the field the caller sent
            exc.field, exc.args = "promise_amount_minor", (f"promise_amount_minor: {exc.reason}",)
        raise
