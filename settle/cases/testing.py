"""Isolation-walk factories for case and strategy ids (see settle/apikit/testing.py)."""

from settle.apikit.testing import ID_FACTORIES, register_id_factory


@register_id_factory("case_id")
def make_case(merchant) -> int:
    from settle.cases.services import case_open
    from settle.core import clock
    from settle.ledger.models import Receivable

    receivable = Receivable.objects.get(pk=ID_FACTORIES["receivable_id"](merchant))
    return case_open(customer=receivable.customer, currency=receivable.currency, at=clock.now()).pk


@register_id_factory("strategy_id")
def make_strategy(merchant) -> int:
    from settle.cases.models import StrategyVersion
    from settle.cases.services import strategy_save
    from settle.core import clock

    shipped = StrategyVersion.objects.filter(strategy__merchant__isnull=True).order_by("id").first()
    version = strategy_save(merchant=merchant, steps=shipped.steps, at=clock.now(), name="Walk strategy")
    return version.strategy_id
