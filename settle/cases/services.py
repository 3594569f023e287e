"""Writes for cases."""

from datetime import datetime

from django.apps import apps
from django.db.models import Q

from settle.customers.models import Customer

from .models import Case

PAID_REASON = "cancelled: the balance was paid before sending"


def case_touch(*, customer: Customer, currency: str, at: datetime) -> int:
    """Ask the engine to re-check the customer's open case at `at` (a balance moved); returns cases touched."""
    return Case.objects.filter(customer=customer, currency=currency, closed_at__isnull=True).update(
        next_check_at=at
    )


def case_balance_changed(*, customer: Customer, currency: str, at: datetime) -> Case | None:
    """React to a ledger change in the same transaction: a cleared balance closes the case at once.

    Closing here (not at the next tick) means a reminder queued for a customer who just paid can never be
    claimed: queued messages are cancelled with the reason, in the transaction that recorded the payment.
    Returns the case closed, if any; otherwise the open case is re-checked by the engine now.
    """
    Receivable = apps.get_model("ledger", "Receivable")
    still_owed = Receivable.objects.filter(
        customer=customer, currency=currency, status="open", balance_minor__gt=0
    ).exists()
    if still_owed:
        case_touch(customer=customer, currency=currency, at=at)
        return None
    case = (
        Case.objects.select_for_update()
        .filter(customer=customer, currency=currency, closed_at__isnull=True)
        .first()
    )
    if case is None:
        return None
    Case.objects.filter(pk=case.pk).update(closed_at=at, outcome="paid", next_check_at=None)
    Message = apps.get_model("communications", "Message")
    Message.objects.filter(Q(case=case) & Q(status="queued")).update(
        status="cancelled", status_reason=PAID_REASON
    )
    case.refresh_from_db()
    return case
