"""Collectors act on their tasks: record what happened, in one transaction, on the case's timeline.

`task_complete` is the one write. Views and the API fetch the task through `selectors.task_get` (scoped by
merchant) and check roles before calling it: any collector records a call's outcome; approving or declining
an agency handoff needs a manager (`needs_manager`). Compliance is not the caller's to check: a handoff
approval is refused here unless the policy core says the handoff is lawful now.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Min

from settle.cases.models import Case, CaseEvent
from settle.core import clock
from settle.core.money import Money
from settle.customers.validation import Conflict, FieldError
from settle.policy.reasons import Reason, reason

from .models import HANDOFF_OUTCOMES, Outcome, Task

SHOP_SOURCES = ("shopify", "woocommerce")


class HandoffNotLawful(FieldError):
    """An approval the law does not allow yet: 422 naming `outcome`, with the rule and its source."""


def needs_manager(outcome: str) -> bool:
    """Approving or declining a handoff is a manager's decision (docs/architecture: roles gate actions)."""
    return outcome in HANDOFF_OUTCOMES


def actor(by) -> tuple[object | None, str]:
    """(user or None, label) for a User or an ApiKey: the audit names who acted either way."""
    from settle.merchants.models import ApiKey

    if isinstance(by, ApiKey):
        return None, f"API key {by.name}"[:150]
    if by is None:
        return None, "system"
    return by, (by.get_username() or f"user {by.pk}")[:150]


def task_complete(*, task: Task, outcome: str, by, note: str = "", promise_amount: Money | None = None,
                  promised_for: date | None = None, at: datetime | None = None) -> Task:  # fmt: skip
    """Close an open task with `outcome` and do what it means for the case, in one transaction.

    reached / no answer / done: recorded. wrong number: the phone is disabled so later steps use another
    channel. promise: a `Promise` (pauses escalation until the day after `promised_for`, emits promise.made).
    dispute (the note says what is contested): a `Dispute` pauses collection until a manager resolves it.
    handoff approved: refused unless lawful; then recorded on the case, handoff.created emitted and the shop
    asked to cancel unpaid orders where the merchant chose it. handoff declined: needs a note saying why.
    """
    at = at or clock.now()
    user, label = actor(by)
    note = (note or "").strip()
    if outcome not in Outcome.values:
        raise FieldError("outcome", f"must be one of {', '.join(Outcome.values)}")
    if outcome not in task.outcomes():
        raise FieldError("outcome", f"a {task.kind} task takes one of {', '.join(task.outcomes())}")
    if len(note) > 500:
        raise FieldError("note", "must be at most 500 characters")
    if outcome == Outcome.HANDOFF_DECLINED and not note:
        raise FieldError("note", "say why the handoff is declined")
    if outcome == Outcome.DISPUTE and not note:
        raise FieldError("note", "say what the customer disputes")
    if outcome == Outcome.PROMISE:
        if promise_amount is None:
            raise FieldError("promise_amount", "is required for a promise to pay")
        if promised_for is None:
            raise FieldError("promised_for", "is required for a promise to pay")
    with transaction.atomic():
        # Case before task: the order the tick and the ledger lock in.
        case = (
            Case.objects.select_for_update().select_related("customer").get(pk=task.case_id)
            if task.case_id
            else None
        )
        locked = Task.objects.select_for_update().get(pk=task.pk, merchant_id=task.merchant_id)
        if locked.status != Task.Status.OPEN:
            raise Conflict("status", f"the task is already {locked.status}")
        if case is None and outcome in (Outcome.PROMISE, Outcome.DISPUTE, *HANDOFF_OUTCOMES):
            raise FieldError("outcome", "this task belongs to no case")
        why: list[Reason] = []
        kind, action = "task", outcome
        if outcome == Outcome.PROMISE:
            from settle.cases.promises import promise_make

            promise_make(case=case, amount=promise_amount, promised_for=promised_for, at=at, by_label=label,
                         by_user=user, note=note, source_ref=f"task:{locked.pk}")  # fmt: skip
            kind = ""  # promise_make wrote the case event
        elif outcome == Outcome.DISPUTE:
            _dispute(case, label, note, at)
            kind = ""  # dispute_open wrote the case event
        elif outcome == Outcome.WRONG_NUMBER:
            why += _wrong_number(locked, label, at)
        elif outcome == Outcome.HANDOFF_APPROVED:
            why += _handoff_approve(locked, case, label, at)
            kind = "handoff"
        elif outcome == Outcome.HANDOFF_DECLINED:
            Case.objects.filter(pk=case.pk).update(stage="with_collector")
            why.append(reason("handoff_declined", label, by=label))
            kind = "handoff"
        else:
            why.append(reason(f"outcome_{outcome}", label, by=label, kind=locked.kind))
        if note and kind:
            why.append(reason("collector_note", label, note=note))
        Task.objects.filter(pk=locked.pk).update(
            status=Task.Status.DONE, outcome=outcome, outcome_note=note, closed_at=at, completed_by=user,
            completed_by_label=label,
        )  # fmt: skip
        if kind and case is not None:
            stage = Case.objects.filter(pk=case.pk).values_list("stage", flat=True).get()
            CaseEvent.objects.create(
                merchant_id=case.merchant_id, case=case, at=at, kind=kind, step_key=locked.step_key,
                action=action, stage=stage, reasons=[r.as_json() for r in why],
                scheduled={"task": {"id": locked.pk, "kind": locked.kind, "outcome": outcome, "by": label}},
            )  # fmt: skip
    locked.refresh_from_db()
    return locked


def _wrong_number(task: Task, label: str, at: datetime) -> list[Reason]:
    """Disable the phone the engine would use (primary first), so the ladder picks another channel."""
    from settle.customers.models import ContactPoint

    phone = (
        ContactPoint.objects.filter(customer_id=task.customer_id, kind="phone", disabled_at__isnull=True)
        .order_by("-is_primary", "id")
        .first()
    )
    if phone is None:
        return [reason("outcome_wrong_number", label, by=label, phone="—")]
    ContactPoint.objects.filter(pk=phone.pk).update(
        disabled_at=at, last_error=f"wrong number (reported by {label}, {at:%Y-%m-%d})"[:500]
    )
    return [reason("outcome_wrong_number", label, by=label, phone=phone.value)]


def _dispute(case: Case, label: str, note: str, at: datetime) -> None:
    """Open a Dispute (`cases.disputes.dispute_open`): collection pauses until a manager resolves it on the
    case page, queued reminders are cancelled at send time, and the dispute writes its own case event."""
    from settle.cases.disputes import dispute_open

    dispute_open(case=case, reason_text=note, by=label, source="collector", at=at)


def handoff_check(*, case: Case, task: Task | None = None, at: datetime) -> tuple[datetime | None, int, str]:
    """(final notice sent at, days of warning, jurisdiction) for the case; raises HandoffNotLawful when the
    policy core (`handoff_blockers`) says the handoff may not happen at `at`.

    The jurisdiction is the one the decision log recorded for the step that asked for the handoff (what the
    engine decided under), else the customer's own. Only a final notice that actually went out counts.
    """
    from settle.communications.models import Message
    from settle.ledger.models import Receivable
    from settle.policy.engine import Rules, handoff_blockers
    from settle.policy.rules import jurisdiction_for

    customer = case.customer
    code = ""
    if task is not None and task.step_key:
        scheduled = (
            CaseEvent.objects.filter(case=case, kind="decision", step_key=task.step_key)
            .order_by("-at", "-id")
            .values_list("scheduled", flat=True)
            .first()
        )
        code = (scheduled or {}).get("jurisdiction", "")
    code = code or jurisdiction_for(customer.country, customer.region, customer.city)
    rules = Rules.for_code(code)
    notice = Message.objects.filter(
        case=case, template_key="final_notice", status="sent", sent_at__isnull=False
    ).aggregate(at=Min("sent_at"))["at"]
    oldest_due = Receivable.objects.filter(
        customer_id=case.customer_id, currency=case.currency, status="open", balance_minor__gt=0
    ).aggregate(d=Min("due_date"))["d"]
    blockers = handoff_blockers(final_notice_at=notice, now=at, rules=rules, debtor_kind=customer.kind,
                                oldest_due=oldest_due, timezone=customer.timezone or "UTC")  # fmt: skip
    if blockers:
        detail = "; ".join(f"{b.text['en']} [{b.source}]" for b in blockers)
        raise HandoffNotLawful("outcome", f"the agency handoff is not lawful yet: {detail}")
    return notice, rules.jurisdiction.pack.prior_warning_days, code


def _handoff_approve(task: Task, case: Case, label: str, at: datetime) -> list[Reason]:
    """Record the handoff on the case, emit handoff.created, and queue the shop cancellation of each open
    shop order (`order_cancel_at_source` is a no-op unless the merchant chose it)."""
    from settle.integrations.services import order_cancel_at_source
    from settle.ledger.models import Receivable
    from settle.webhooks_out.services import webhook_emit

    notice, days, code = handoff_check(case=case, task=task, at=at)
    receivables = list(
        Receivable.objects.filter(customer_id=case.customer_id, currency=case.currency, status="open",
                                  balance_minor__gt=0).order_by("due_date", "id")
    )  # fmt: skip
    why = [reason("handoff_approved", label, by=label, notice=notice.date().isoformat(), days=days)]
    cancelled = []
    for receivable in receivables:
        if receivable.source in SHOP_SOURCES and order_cancel_at_source(receivable=receivable, at=at):
            cancelled.append(receivable.pk)
            why.append(reason("order_cancel_queued", "merchant setting: cancel_on_final_step",
                              number=receivable.number))  # fmt: skip
    Case.objects.filter(pk=case.pk).update(stage="agency", outcome="agency")
    balance = sum(r.balance_minor for r in receivables)
    webhook_emit(
        merchant_id=case.merchant_id, event_type="handoff.created", key=f"handoff.created:{case.pk}", at=at,
        data={"case_id": case.pk, "customer_id": case.customer_id, "currency": case.currency,
              "balance_minor": balance, "jurisdiction": code, "final_notice_at": notice.isoformat(),
              "approved_by": label, "approved_at": at.isoformat(), "orders_cancelled": cancelled,
              "receivables": [{"id": r.pk, "number": r.number, "source": r.source, "external_id": r.external_id,
                               "balance_minor": r.balance_minor, "due_date": r.due_date.isoformat()}
                              for r in receivables]},
    )  # fmt: skip
    return why
