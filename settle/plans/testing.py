"""Test support: an active plan of one merchant, for the tenant-isolation walks (autodiscovered)."""

from __future__ import annotations

from datetime import timedelta

from settle.apikit.testing import register_id_factory


@register_id_factory("plan_id")
def make_plan(merchant) -> int:
    from settle.cases.models import Case
    from settle.cases.testing import make_case
    from settle.core import clock
    from settle.core.money import Money
    from settle.plans.services import owed_minor, plan_create, schedule_even

    case = Case.objects.get(pk=make_case(merchant))
    schedule = schedule_even(total=Money(owed_minor(case), case.currency), count=2,
                             first_due=clock.now().date() + timedelta(days=7), every_days=30)  # fmt: skip
    return plan_create(case=case, schedule=schedule, by="probe").pk
