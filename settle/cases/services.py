"""Writes for cases."""

from datetime import datetime

from settle.customers.models import Customer

from .models import Case


def case_touch(*, customer: Customer, currency: str, at: datetime) -> int:
    """Ask the engine to re-check the customer's open case at `at` (a balance moved); returns cases touched."""
    return Case.objects.filter(customer=customer, currency=currency, closed_at__isnull=True).update(
        next_check_at=at
    )
