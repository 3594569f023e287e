from datetime import UTC, datetime

import pytest

from settle.core.money import Money


@pytest.fixture
def acme_book(acme, alice, bogdan, globex, frozen_clock):
    """Acme's receivables across every aging bucket on 2026-12-01 (Warsaw), in PLN and EUR."""
    from datetime import date

    from settle.ledger.services import payment_record, receivable_create

    issued = datetime(2026, 6, 1, tzinfo=UTC)
    rows = [
        (alice, "A-1", Money(10_000, "PLN"), date(2026, 12, 10)),  # current
        (alice, "A-2", Money(20_000, "PLN"), date(2026, 11, 20)),  # 11 days late → 1–30
        (bogdan, "B-1", Money(30_000, "PLN"), date(2026, 10, 15)),  # 47 → 31–60
        (bogdan, "B-2", Money(40_000, "PLN"), date(2026, 9, 10)),  # 82 → 61–90
        (bogdan, "B-3", Money(50_000, "PLN"), date(2026, 6, 1)),  # 183 → 90+
        (globex, "G-1", Money(123_456, "EUR"), date(2026, 11, 1)),  # 30 → 1–30
    ]
    made = {}
    for customer, number, amount, due in rows:
        made[number] = receivable_create(
            merchant=acme, customer=customer, external_id=number, number=number, amount=amount,
            due_date=due, issued_at=issued,
        )  # fmt: skip
    payment_record(merchant=acme, customer=bogdan, amount=Money(5_000, "PLN"), external_id="bank-1",
                   receivable=made["B-3"])  # fmt: skip
    return made
