"""Test support: a task of one merchant, for the tenant-isolation walks (pages and API share the registry)."""

from __future__ import annotations

from itertools import count

from settle.apikit.testing import ID_FACTORIES, register_id_factory

_serial = count(1)


@register_id_factory("task_id")
def make_task(merchant) -> int:
    """An open call task on a real case of `merchant` (the kind the engine creates for a call step)."""
    from settle.cases.models import Case
    from settle.core import clock
    from settle.workdesk.models import Task

    case = Case.objects.get(pk=ID_FACTORIES["case_id"](merchant))
    now = clock.now()
    return Task.objects.create(
        merchant=merchant, case=case, customer_id=case.customer_id, kind="call", step_key="call",
        note="call the customer", due_at=now, created_at=now,
        idempotency_key=f"probe-task-{merchant.pk}-{next(_serial)}",
    ).pk  # fmt: skip
