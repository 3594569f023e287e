"""Test support: how to make a case or a strategy of one merchant, for the tenant-isolation walks.

Registered with `settle.apikit.testing.register_id_factory` (autodiscovered): the one registry both the API walk
and the merchant-app walk read.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from settle.apikit.testing import register_id_factory

_serial = count(1)


@register_id_factory("case_id")
def make_case(merchant) -> int:
    """A real case: the ledger opens it with the customer's first open receivable."""
    from settle.cases.models import Case
    from settle.core.money import Money
    from settle.customers.services import customer_create
    from settle.ledger.services import receivable_create

    n = next(_serial)
    customer = customer_create(merchant=merchant, name=f"Case probe {n}", country="PL",
                               email=f"case{n}@example.org", external_id=f"case-probe-{merchant.pk}-{n}")  # fmt: skip
    receivable_create(merchant=merchant, customer=customer, external_id=f"case-probe-r-{merchant.pk}-{n}",
                      amount=Money(10_000, merchant.default_currency), due_date=date(2026, 11, 1))  # fmt: skip
    return Case.objects.get(customer=customer, closed_at__isnull=True).pk


@register_id_factory("dispute_id")
def make_dispute(merchant) -> int:
    """An open dispute on a fresh case of this merchant."""
    from settle.cases.disputes import dispute_open
    from settle.cases.models import Case

    return dispute_open(case=Case.objects.get(pk=make_case(merchant)), reason_text="probe", by="probe").pk


@register_id_factory("strategy_id")
def make_strategy(merchant) -> int:
    """A merchant's own strategy (the shipped defaults are shared by design, so they are not probes)."""
    from settle.cases.services import strategy_save
    from settle.core import clock

    steps = [{"key": "r1", "offset_days": 1, "action": "message", "channels": ["email"],
              "template_key": "reminder_1", "tone": "neutral"}]  # fmt: skip
    return strategy_save(
        merchant=merchant, name=f"Probe {next(_serial)}", steps=steps, at=clock.now()
    ).strategy_id


def case_for(*, customer, currency: str, merchant=None, **fields):
    """The customer's open case in `currency` (the ledger opens it with the first receivable), else a new one;
    `fields` (opened_at, next_check_at, ...) are set on it. For tests that need a case in a given state."""
    from settle.cases.models import Case

    case = Case.objects.filter(customer=customer, currency=currency, closed_at__isnull=True).first()
    if case is None:
        return Case.objects.create(
            merchant_id=customer.merchant_id, customer=customer, currency=currency, **fields
        )
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case
