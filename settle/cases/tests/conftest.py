from datetime import date

import pytest

from settle.core.money import Money


@pytest.fixture
def overdue(acme):
    """`overdue(customer, "inv-1", 10000, date)` → a receivable in the merchant's currency."""
    from settle.ledger.services import receivable_create

    def make(customer, external_id, minor, due, currency="PLN"):
        return receivable_create(merchant=acme, customer=customer, external_id=external_id,
                                 amount=Money(minor, currency), due_date=due, issued_at=None)  # fmt: skip

    return make


@pytest.fixture
def nov():
    return date(2026, 11, 20)
