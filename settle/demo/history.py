"""The demo's case history, rebuilt from its ledger timeline: what the engine would have recorded had it run
through those 18 months.

Segmentation reads lateness from cases (`overdue_since` within 12 months), and the ledger's services open
cases at the clock's now, not at historical moments; so after the orders and payments are written, each
customer × currency timeline is walked: a case opens when the balance rises above zero, closes (paid) when it
returns to zero, and is marked overdue from the earliest due date it ran past unpaid. Disputed orders (their
description starts "Disputed:") get a real `Dispute`: upheld with the credited amount when a credit note
settled part of the claim, else still open, which pauses that case. A few customers who pay in parts and still
owe get an agreed two-installment plan, so the plan pages and the engine's pause show too.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import groupby

from django.db.models import Count

from settle.cases.models import Case, Dispute
from settle.ledger.models import LedgerEntry, Receivable

DISPUTE_PREFIX = "Disputed: "


def case_history(*, merchant, now: datetime) -> int:
    """Replace the merchant's cases by those its ledger timeline implies; returns the number of cases."""
    Case.objects.filter(merchant=merchant).delete()
    receivables = {
        pk: (due, closed_at, description)
        for pk, due, closed_at, description in Receivable.objects.filter(merchant=merchant).values_list(
            "id", "due_date", "closed_at", "description"
        )
    }
    entries = (
        LedgerEntry.objects.filter(merchant=merchant)
        .order_by("customer_id", "currency", "effective_at", "id")
        .values_list("customer_id", "currency", "effective_at", "amount_minor", "receivable_id", "kind")
    )
    cases, members = [], []
    for (customer_id, currency), group in groupby(entries, key=lambda e: (e[0], e[1])):
        balance, period = 0, None
        for _c, _cur, at, amount, receivable_id, _kind in group:
            before, balance = balance, balance + amount
            if before <= 0 < balance:
                period = {"opened_at": at, "receivables": set()}
            if period is not None and receivable_id:
                period["receivables"].add(receivable_id)
            if period is not None and balance <= 0:
                cases.append(_case(merchant, customer_id, currency, period, at, receivables, now))
                members.append(period["receivables"])
                period = None
        if period is not None:
            cases.append(_case(merchant, customer_id, currency, period, None, receivables, now))
            members.append(period["receivables"])
    Case.objects.bulk_create(cases, batch_size=500)
    _disputes(merchant, cases, members, receivables)
    _plans(merchant, now)
    return len(cases)


def _plans(merchant, now: datetime, most: int = 6) -> None:
    """A few customers who pay in parts and still owe have agreed a plan: two installments from next week."""
    from settle.core.money import Money
    from settle.plans.services import owed_minor, plan_create, schedule_even

    split = (
        LedgerEntry.objects.filter(merchant=merchant, kind="payment")
        .values("receivable_id").annotate(n=Count("id")).filter(n__gte=2).values("receivable__customer_id")
    )  # fmt: skip
    candidates = (
        Case.objects.filter(
            merchant=merchant, closed_at__isnull=True, disputed_since__isnull=True, customer_id__in=split
        )
        .select_related("customer")
        .order_by("customer__external_id")[:most]
    )
    for case in candidates:
        owed = owed_minor(case)
        if owed < 200:
            continue
        schedule = schedule_even(total=Money(owed, case.currency), count=2,
                                 first_due=now.date() + timedelta(days=7), every_days=30)  # fmt: skip
        plan_create(case=case, schedule=schedule, by="customer (by phone)", source="customer", at=now)


def _end_of(day) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _case(merchant, customer_id, currency, period, closed_at, receivables, now) -> Case:
    late = []
    for pk in period["receivables"]:
        due, paid_at, _description = receivables[pk]
        settled = paid_at or closed_at or now
        if settled > _end_of(due):
            late.append(due)
    return Case(
        merchant=merchant, customer_id=customer_id, currency=currency, opened_at=period["opened_at"],
        closed_at=closed_at, outcome="paid" if closed_at else "", stage="closed" if closed_at else "new",
        next_check_at=None if closed_at else now, overdue_since=min(late) if late else None,
    )  # fmt: skip


def _disputes(merchant, cases, members, receivables) -> None:
    credits = dict(
        LedgerEntry.objects.filter(merchant=merchant, kind="credit_note")
        .values_list("receivable_id", "effective_at")
    )  # fmt: skip
    credited = {
        pk: -amount
        for pk, amount in LedgerEntry.objects.filter(merchant=merchant, kind="credit_note").values_list(
            "receivable_id", "amount_minor"
        )
    }
    disputes, paused = [], {}
    for case, pks in zip(cases, members, strict=True):
        for pk in sorted(pks):
            due, _paid, description = receivables[pk]
            if not description.startswith(DISPUTE_PREFIX):
                continue
            reason = description[len(DISPUTE_PREFIX) :].split(" — ", 1)[0]
            opened_at = _end_of(due) + timedelta(days=2, hours=12)
            resolved_at = credits.get(pk)
            disputes.append(Dispute(
                merchant=merchant, case=case, receivable_id=pk, reason=reason, source="customer",
                opened_at=opened_at, opened_by="customer (by email)",
                status=Dispute.Status.UPHELD if resolved_at else Dispute.Status.OPEN, resolved_at=resolved_at,
                resolved_by="Acme Outdoor support" if resolved_at else "", credited_minor=credited.get(pk, 0),
                resolution_note="partial credit agreed" if resolved_at else "",
            ))  # fmt: skip
            if not resolved_at and case.closed_at is None:
                paused[case.pk] = min(opened_at, paused.get(case.pk, opened_at))
    Dispute.objects.bulk_create(disputes, batch_size=500)
    for case_id, since in paused.items():
        Case.objects.filter(pk=case_id).update(disputed_since=since)
