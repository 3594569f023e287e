"""Disputes: the customer contests the debt, and collection pauses until a person resolves it.

Opening one marks the case (`disputed_since`) in the same transaction, so the engine's next decision and the
outbox's send-time re-check both see it: queued reminders are cancelled at send time with the reason, and the
policy decides nothing but "disputed" while it is open (a rule no strategy can override). Resolving it either
credits what the customer was right about (a credit note through the ledger, which may close the case) or
rejects it, and the ladder resumes where it was.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from settle.core import clock
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.ledger.models import Receivable
from settle.ledger.services import LedgerError, credit_note_record
from settle.policy.reasons import reason

from .models import Case, CaseEvent, Dispute

SOURCES = ("collector", "customer", "api", "shop")


def dispute_open(*, case: Case, reason_text: str, by: str, source: str = "collector",
                 receivable: Receivable | None = None, at: datetime | None = None) -> Dispute:  # fmt: skip
    """Record a dispute on an open case and pause its collection; the engine re-checks the case now."""
    at = at or clock.now()
    what = " ".join((reason_text or "").split())
    if not what:
        raise FieldError("reason", "say what the customer disputes")
    if source not in SOURCES:
        raise FieldError("source", f"must be one of {', '.join(SOURCES)}")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.closed_at is not None:
            raise FieldError("case_id", "the case is closed: there is nothing to dispute")
        if receivable is not None and (
            receivable.merchant_id != locked.merchant_id
            or receivable.customer_id != locked.customer_id
            or receivable.currency != locked.currency
        ):
            raise FieldError("receivable_id", "is not one of this case's receivables")
        dispute = Dispute.objects.create(
            merchant_id=locked.merchant_id, case=locked, receivable=receivable, reason=what[:1000], source=source,
            opened_at=at, opened_by=by[:150],
        )  # fmt: skip
        Case.objects.filter(pk=locked.pk).update(disputed_since=locked.disputed_since or at, next_check_at=at)
        subject = f"{receivable.number}: {what}" if receivable is not None else what
        CaseEvent.objects.create(
            merchant_id=locked.merchant_id, case=locked, at=at, kind="dispute", stage="disputed",
            reasons=[reason("dispute_recorded", source, by=by or source, what=subject[:300]).as_json()],
        )  # fmt: skip
    case.refresh_from_db()
    return dispute


def dispute_resolve(*, dispute: Dispute, outcome: str, by: str, note: str = "", credit: Money | None = None,
                    at: datetime | None = None) -> Dispute:  # fmt: skip
    """Uphold (credit `credit`, or the disputed receivable's whole balance) or reject an open dispute.
    When no other dispute of the case is open, the pause ends and the engine re-checks the case now."""
    at = at or clock.now()
    if outcome not in (Dispute.Status.UPHELD, Dispute.Status.REJECTED):
        raise FieldError("outcome", "must be upheld or rejected")
    note = " ".join((note or "").split())[:1000]
    with transaction.atomic():
        locked = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("case", "receivable")
            .get(pk=dispute.pk)
        )
        if locked.status != Dispute.Status.OPEN:
            raise FieldError("dispute_id", f"is already {locked.status}")
        case = locked.case
        credited = 0
        if outcome == Dispute.Status.UPHELD:
            target = locked.receivable
            if credit is not None and credit.minor > 0 and target is None:
                raise FieldError("receivable_id", "name the receivable to credit")
            if target is not None and (credit is None or credit.minor > 0):
                try:
                    entry = credit_note_record(receivable=target, amount=credit, at=at,
                                               memo=f"dispute {locked.pk} upheld: {note}"[:300],
                                               source_ref=f"dispute:{locked.pk}")  # fmt: skip
                except LedgerError as exc:
                    field = "credit_minor" if exc.field == "amount" else exc.field
                    raise FieldError(field, exc.reason) from None
                credited = -entry.amount_minor
        Dispute.objects.filter(pk=locked.pk).update(
            status=outcome,
            resolved_at=at,
            resolved_by=by[:150],
            resolution_note=note,
            credited_minor=credited,
        )
        still_open = (
            Dispute.objects.filter(case=case, status=Dispute.Status.OPEN).exclude(pk=locked.pk).exists()
        )
        if not still_open:
            Case.objects.filter(pk=case.pk).update(disputed_since=None)
            Case.objects.filter(pk=case.pk, closed_at__isnull=True).update(next_check_at=at)
        if outcome == Dispute.Status.UPHELD:
            why = reason("dispute_upheld", by or "merchant", by=by or "merchant",
                         credited=str(Money(credited, case.currency)), note=note or "—")  # fmt: skip
        else:
            why = reason("dispute_rejected", by or "merchant", by=by or "merchant", note=note or "—")
        CaseEvent.objects.create(merchant_id=case.merchant_id, case=case, at=at, kind="dispute_resolved",
                                 stage="disputed" if still_open else "", reasons=[why.as_json()])  # fmt: skip
    locked.refresh_from_db()
    return locked
