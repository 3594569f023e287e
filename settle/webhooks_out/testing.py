"""Factories for the tenant-isolation walk of merchant-app URLs (settle/web/tests/test_isolation.py)."""


def _make_endpoint(merchant) -> int:
    from settle.webhooks_out.services import endpoint_create

    return endpoint_create(merchant=merchant, url="https://erp.example/settle")[0].pk


def _make_delivery(merchant) -> int:
    from settle.webhooks_out.models import Delivery
    from settle.webhooks_out.services import webhook_emit

    _make_endpoint(merchant)
    webhook_emit(merchant_id=merchant.pk, event_type="plan.created", key=f"plan.created:walk:{merchant.pk}",
                 data={"plan_id": 0})  # fmt: skip
    return Delivery.objects.filter(merchant=merchant).latest("id").pk


def _register() -> None:
    from settle.web.testing import ID_FACTORIES

    ID_FACTORIES.setdefault("endpoint_id", _make_endpoint)
    ID_FACTORIES.setdefault("delivery_id", _make_delivery)


_register()
