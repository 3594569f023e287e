"""Promises to pay: recording one (it pauses escalation), and settling it when money comes in.

A promise is a fact about the case (see `models.Promise`); the engine honours it through its snapshot
(`CaseSnapshot.promised_until`) and marks it broken at the first check after the promised day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Sum

from settle.core.money import Money
from settle.customers.models import Customer
from settle.customers.validation import Conflict, FieldError
from settle.policy.compliance import zone
from settle.policy.engine import promise_wakes_at
from settle.policy.reasons import reason

from .models import Case, CaseEvent, Promise, PromiseStatus

# A promise pauses collection; an arrangement longer than this is an installment plan, not a promise.
PROMISE_MAX_DAYS = 30
SOURCE = "collector: promise to pay"


def _open_balance_minor(case: Case) -> int:
    from settle.ledger.models import Receivable

    return (
        Receivable.objects.filter(customer_id=case.customer_id, currency=case.currency, status="open",
                                  balance_minor__gt=0).aggregate(s=Sum("balance_minor"))["s"] or 0
    )  # fmt: skip


def promise_make(*, case: Case, amount: Money, promised_for: date, at: datetime, by_label: str, by_user=None,
                 note: str = "", source_ref: str = "") -> Promise:  # fmt: skip
    """Record the customer's promise to pay `amount` by `promised_for` (inclusive, their local time).

    In one transaction: the promise, a `promise` case event, the case's next check moved to the day after the
    promised day (the engine wakes then and marks it broken if unpaid) and the `promise.made` webhook.
    The case row is locked first, so a tick deciding this case at the same moment finishes before we move it.
    """
    from settle.webhooks_out.services import webhook_emit

    if not isinstance(amount, Money) or amount.minor <= 0:
        raise FieldError("promise_amount", "must be greater than zero")
    if amount.currency != case.currency:
        raise FieldError("promise_amount", f"must be in the case's currency {case.currency}")
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
        if not case.is_open:
            raise Conflict("case_id", "the case is closed")
        tz = case.customer.timezone or "UTC"
        today = at.astimezone(zone(tz)).date()
        if promised_for < today:
            raise FieldError("promised_for", "must not be in the past")
        if promised_for > today + timedelta(days=PROMISE_MAX_DAYS):
            raise FieldError(
                "promised_for", f"must be within {PROMISE_MAX_DAYS} days; longer is an installment plan"
            )
        balance = _open_balance_minor(case)
        if amount.minor > balance:
            raise FieldError(
                "promise_amount", f"is more than the open balance {Money(balance, case.currency)}"
            )
        pending = Promise.objects.filter(case=case, status=PromiseStatus.PENDING).first()
        if pending is not None:
            raise Conflict("promised_for", f"a promise to pay by {pending.promised_for} is still pending")
        promise = Promise.objects.create(
            merchant_id=case.merchant_id, case=case, customer_id=case.customer_id, amount_minor=amount.minor,
            currency=amount.currency, promised_for=promised_for, note=note[:500], created_by=by_user,
            created_by_label=by_label[:150], created_at=at,
        )  # fmt: skip
        wakes = promise_wakes_at(promised_for, tz)
        why = [reason("promise_made", SOURCE, by=by_label, amount=str(amount), date=promised_for.isoformat()),
               reason("promise_pending", SOURCE, date=promised_for.isoformat())]  # fmt: skip
        if note:
            why.append(reason("collector_note", by_label, note=note[:500]))
        Case.objects.filter(pk=case.pk).update(stage="promised", next_check_at=wakes)
        CaseEvent.objects.create(
            merchant_id=case.merchant_id, case=case, at=at, kind="promise", action="promise", stage="promised",
            reasons=[r.as_json() for r in why], next_check_at=wakes,
            scheduled={"promise": {"id": promise.pk, "amount_minor": amount.minor, "currency": amount.currency,
                                   "promised_for": promised_for.isoformat()}, "source_ref": source_ref},
        )  # fmt: skip
        webhook_emit(
            merchant_id=case.merchant_id, event_type="promise.made", key=f"promise.made:{promise.pk}", at=at,
            data={"promise_id": promise.pk, "case_id": case.pk, "customer_id": case.customer_id,
                  "amount_minor": amount.minor, "currency": amount.currency,
                  "promised_for": promised_for.isoformat(), "created_at": at.isoformat(), "created_by": by_label},
        )  # fmt: skip
    return promise


def promises_settle(*, customer: Customer, currency: str, at: datetime, cleared: bool) -> Promise | None:
    """Called by `case_balance_changed` in the ledger's transaction: the pending promise is kept once the
    payments received since it was made cover its amount, or when nothing is owed any more (`cleared`).

    Returns the promise marked kept, if any. One indexed read when the customer has no pending promise.
    """
    from settle.ledger.models import Payment

    promise = (
        Promise.objects.select_for_update()
        .filter(customer=customer, currency=currency, status=PromiseStatus.PENDING)
        .first()
    )
    if promise is None:
        return None
    paid = (
        Payment.objects.filter(
            customer=customer, currency=currency, received_at__gte=promise.created_at
        ).aggregate(s=Sum(F("amount_minor") - F("refunded_minor")))["s"]
        or 0
    )
    if paid < promise.amount_minor and not cleared:
        return None
    Promise.objects.filter(pk=promise.pk).update(status=PromiseStatus.KEPT, resolved_at=at)
    why = reason("promise_kept", "ledger", paid=str(Money(paid, currency)),
                 amount=str(Money(promise.amount_minor, currency)), date=promise.promised_for.isoformat())  # fmt: skip
    CaseEvent.objects.create(
        merchant_id=promise.merchant_id, case_id=promise.case_id, at=at, kind="promise", action="kept",
        stage="promise_kept", reasons=[why.as_json()],
        scheduled={"promise": {"id": promise.pk, "status": "kept", "paid_minor": paid}},
    )  # fmt: skip
    promise.status, promise.resolved_at = PromiseStatus.KEPT, at
    return promise
