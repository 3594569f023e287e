from datetime import date

import pytest

from settle.core import clock
from settle.core.money import Money


@pytest.fixture
def owing(acme, frozen_clock):
    """`owing(customer, minor, source="api")` → the customer's open case, opened by an overdue receivable."""
    from settle.cases.models import Case
    from settle.ledger.services import receivable_create

    serial = iter(range(1, 1000))

    def make(customer, minor=10_000, source="api", due=date(2026, 11, 1)):
        n = next(serial)
        receivable_create(merchant=acme, customer=customer, external_id=f"order-{n}", number=f"#{1000 + n}",
                          amount=Money(minor, "PLN"), due_date=due, source=source)  # fmt: skip
        return Case.objects.get(customer=customer, closed_at__isnull=True)

    return make


@pytest.fixture
def task_on(acme):
    """`task_on(case, kind="call", step_key="call-1")` → an open task the way the engine writes one."""
    from settle.workdesk.models import Task

    def make(case, kind="call", step_key="call-1"):
        now = clock.now()
        return Task.objects.create(merchant_id=case.merchant_id, case=case, customer_id=case.customer_id,
                                   kind=kind, step_key=step_key, note=kind, due_at=now, created_at=now,
                                   idempotency_key=f"case-{case.pk}-{step_key}-{kind}")  # fmt: skip

    return make


@pytest.fixture
def collector(acme):
    from settle.merchants.services import user_create_with_membership

    return user_create_with_membership(merchant=acme, username="kasia", password="x-Settle-test-1",
                                       role="collector")  # fmt: skip


@pytest.fixture
def endpoint(acme):
    """A webhook subscriber for every event type (deliveries are queued, not sent, in these tests)."""
    from settle.webhooks_out.services import endpoint_create

    return endpoint_create(merchant=acme, url="https://hooks.example.org/settle")[0]
