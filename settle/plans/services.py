"""Installment plans: agree a schedule, pause escalation while it is kept, resume when it is broken.

The pause is the case's own (`paused_until`, `pause_reason`), so the engine and the outbox need nothing new:
the engine decides "paused until …" and re-checks at that moment; `plans_check` (worker order 25, just before
the engine) runs at the same moment and either moves the pause to the next installment or, if the installment
is still unpaid after its grace days, breaks the plan and lifts the pause so the engine resumes the strategy in
the same iteration. Payments count from the moment the plan was agreed (any receivable of the case's currency),
so a new invoice never makes a kept plan look broken.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Sum

from settle.cases.models import Case, CaseEvent
from settle.core import clock
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.ledger.models import LedgerEntry, Receivable
from settle.policy.reasons import reason
from settle.webhooks_out.services import webhook_emit

from .models import Installment, Plan

MAX_INSTALLMENTS = 36
SOURCES = ("collector", "customer", "api")
BATCH = 500


def owed_minor(case: Case) -> int:
    """What the case's customer owes now in its currency (open receivables), in minor units."""
    return (
        Receivable.objects.filter(
            customer_id=case.customer_id, currency=case.currency, status="open"
        ).aggregate(total=Sum("balance_minor"))["total"]
        or 0
    )


def schedule_even(*, total: Money, count: int, first_due: date, every_days: int) -> list[tuple[date, Money]]:
    """`count` installments `every_days` apart that sum to exactly `total` (earlier ones take the odd units)."""
    if not 2 <= count <= MAX_INSTALLMENTS:
        raise FieldError("count", f"must be between 2 and {MAX_INSTALLMENTS}")
    if not 7 <= every_days <= 92:
        raise FieldError("every_days", "must be between 7 and 92 days")
    parts = total.allocate([1] * count)
    return [(first_due + timedelta(days=every_days * i), part) for i, part in enumerate(parts)]


def _deadline(plan: Plan, due: date, tz: str) -> datetime:
    """The end of the last grace day in the customer's own time zone."""
    zone = zoneinfo.ZoneInfo(tz or "UTC")
    return datetime.combine(due + timedelta(days=plan.grace_days + 1), time(0), tzinfo=zone)


def plan_create(*, case: Case, schedule: list[tuple[date, Money]], by: str, source: str = "collector",
                grace_days: int = 3, at: datetime | None = None) -> Plan:  # fmt: skip
    """Agree a plan for everything the case owes now; pauses escalation until the first installment's grace
    ends, records it on the timeline and emits `plan.created`."""
    at = at or clock.now()
    if source not in SOURCES:
        raise FieldError("source", f"must be one of {', '.join(SOURCES)}")
    if not 0 <= grace_days <= 30:
        raise FieldError("grace_days", "must be between 0 and 30")
    if not 2 <= len(schedule) <= MAX_INSTALLMENTS:
        raise FieldError("installments", f"a plan has 2 to {MAX_INSTALLMENTS} installments")
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
        today = at.astimezone(zoneinfo.ZoneInfo(locked.customer.timezone or "UTC")).date()
        if locked.closed_at is not None:
            raise FieldError("case_id", "the case is closed: nothing is owed")
        if locked.disputed_since is not None:
            raise FieldError("case_id", "the case is disputed: resolve the dispute before agreeing a plan")
        if Plan.objects.filter(case=locked, status=Plan.Status.ACTIVE).exists():
            raise FieldError("case_id", "the case already has an active plan")
        owed = owed_minor(locked)
        previous = None
        for n, (due, amount) in enumerate(schedule):
            field = f"installments[{n}]"
            if amount.currency != locked.currency:
                raise FieldError(f"{field}.amount_minor", f"must be in {locked.currency}")
            if amount.minor <= 0:
                raise FieldError(f"{field}.amount_minor", "must be greater than zero")
            if n == 0 and due < today:
                raise FieldError(f"{field}.due_date", "the first installment cannot be in the past")
            if previous is not None and due <= previous:
                raise FieldError(f"{field}.due_date", "installments must fall on later and later dates")
            if due > today + timedelta(days=3 * 366):
                raise FieldError(f"{field}.due_date", "a plan ends within three years")
            previous = due
        total = sum(a.minor for _d, a in schedule)
        if total != owed:
            raise FieldError("installments", f"must add up to what the case owes now, "
                             f"{Money(owed, locked.currency)} (they add up to {Money(total, locked.currency)})")  # fmt: skip
        plan = Plan.objects.create(
            merchant_id=locked.merchant_id, case=locked, customer_id=locked.customer_id, currency=locked.currency,
            total_minor=total, grace_days=grace_days, source=source, created_at=at, created_by=by[:150],
        )  # fmt: skip
        Installment.objects.bulk_create(
            [
                Installment(plan=plan, number=n + 1, due_date=d, amount_minor=a.minor)
                for n, (d, a) in enumerate(schedule)
            ]
        )
        first_due, first = schedule[0]
        deadline = _deadline(plan, first_due, locked.customer.timezone)
        Plan.objects.filter(pk=plan.pk).update(next_check_at=deadline)
        Case.objects.filter(pk=locked.pk).update(
            paused_until=deadline, pause_reason=f"installment plan {plan.pk}: installment 1 due {first_due}",
            next_check_at=at,
        )  # fmt: skip
        CaseEvent.objects.create(
            merchant_id=locked.merchant_id, case=locked, at=at, kind="plan", stage="plan",
            reasons=[reason("plan_agreed", source, by=by or source, count=len(schedule),
                            total=str(Money(total, locked.currency)), first=f"{first} {first_due}").as_json()],
        )  # fmt: skip
        webhook_emit(
            merchant_id=locked.merchant_id, event_type="plan.created", key=f"plan.created:{plan.pk}", at=at,
            data={"plan_id": plan.pk, "case_id": locked.pk, "customer_id": locked.customer_id,
                  "currency": locked.currency, "total_minor": total, "grace_days": grace_days,
                  "installments": [{"number": n + 1, "due_date": d.isoformat(), "amount_minor": a.minor}
                                   for n, (d, a) in enumerate(schedule)]},
        )  # fmt: skip
    plan.refresh_from_db()
    return plan


def plan_cancel(*, plan: Plan, by: str, note: str = "", at: datetime | None = None) -> Plan:
    """End an active plan by agreement (the customer asked to change it); the strategy resumes now."""
    at = at or clock.now()
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != Plan.Status.ACTIVE:
            raise FieldError("plan_id", f"is {locked.status}, not active")
        _end(locked, Plan.Status.CANCELLED, at, reason("plan_cancelled", by or "merchant", by=by or "merchant",
                                                       note=note or "—"), note)  # fmt: skip
    locked.refresh_from_db()
    return locked


def _end(plan: Plan, status: str, at: datetime, why, note: str = "") -> None:
    Plan.objects.filter(pk=plan.pk).update(
        status=status, ended_at=at, ended_note=note[:300], next_check_at=None
    )
    Case.objects.filter(pk=plan.case_id, pause_reason__startswith=f"installment plan {plan.pk}:").update(
        paused_until=None, pause_reason=""
    )
    Case.objects.filter(pk=plan.case_id, closed_at__isnull=True).update(next_check_at=at)
    CaseEvent.objects.create(merchant_id=plan.merchant_id, case_id=plan.case_id, at=at, kind=f"plan_{status}",
                             stage="", reasons=[why.as_json()])  # fmt: skip


def plans_check(now: datetime) -> int:
    """Worker job: every active plan whose next deadline has come — kept, completed or broken. The cost grows
    with the plans due now (partial index on `next_check_at`), with a fixed number of queries per batch."""
    done = 0
    while True:
        with transaction.atomic():
            qs = Plan.objects.filter(status=Plan.Status.ACTIVE, next_check_at__lte=now).order_by(
                "next_check_at"
            )
            if connection.vendor == "postgresql":
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            plans = list(qs.select_related("case", "customer")[:BATCH])
            if not plans:
                return done
            installments = defaultdict(list)
            for i in Installment.objects.filter(plan__in=plans).order_by("plan_id", "number"):
                installments[i.plan_id].append(i)
            paid = _paid_since(plans)
            for plan in plans:
                _check(plan, installments[plan.pk], paid.get(plan.pk, 0), now)
            done += len(plans)
        if len(plans) < BATCH:
            return done


def _paid_since(plans: list[Plan]) -> dict[int, int]:
    """Money received per plan since it was agreed: payments net of refunds, in the plan's currency."""
    customers = {p.customer_id for p in plans}
    since = min(p.created_at for p in plans)
    rows = LedgerEntry.objects.filter(
        customer_id__in=customers, kind__in=("payment", "refund"), effective_at__gte=since
    ).values_list("customer_id", "currency", "effective_at", "amount_minor")
    paid: dict[int, int] = defaultdict(int)
    by_customer = defaultdict(list)
    for p in plans:
        by_customer[(p.customer_id, p.currency)].append(p)
    for customer_id, currency, at, amount in rows:
        for p in by_customer.get((customer_id, currency), ()):
            if at >= p.created_at:
                paid[p.pk] -= amount  # payments are negative entries, refunds positive
    return paid


def _check(plan: Plan, installments: list[Installment], paid: int, now: datetime) -> None:
    case = plan.case
    if paid >= plan.total_minor or case.closed_at is not None:
        _end(plan, Plan.Status.COMPLETED, now,
             reason("plan_completed", "plan", paid=str(Money(max(paid, 0), plan.currency))))  # fmt: skip
        return
    covered, running = 0, 0
    for i in installments:
        running += i.amount_minor
        if paid >= running:
            covered += 1
    upcoming = installments[covered]
    deadline = _deadline(plan, upcoming.due_date, plan.customer.timezone)
    if deadline <= now:
        _end(plan, Plan.Status.BROKEN, now, reason(
            "plan_broken", "plan", number=upcoming.number, amount=str(Money(upcoming.amount_minor, plan.currency)),
            due=upcoming.due_date.isoformat(), grace=plan.grace_days), f"installment {upcoming.number} unpaid")  # fmt: skip
        return
    Plan.objects.filter(pk=plan.pk).update(next_check_at=deadline)
    Case.objects.filter(pk=case.pk, closed_at__isnull=True).update(
        paused_until=deadline,
        pause_reason=f"installment plan {plan.pk}: installment {upcoming.number} due {upcoming.due_date}",
    )
