"""Isolation-walk factories for outbound webhook endpoints and deliveries (see settle/apikit/testing.py)."""

from itertools import count

from settle.apikit.testing import register_id_factory

_serial = count(1)


@register_id_factory("endpoint_id")
def make_endpoint(merchant) -> int:
    from settle.webhooks_out.services import endpoint_create

    endpoint, _secret = endpoint_create(merchant=merchant, url=f"https://hooks.example/{next(_serial)}")
    return endpoint.pk


@register_id_factory("delivery_id")
def make_delivery(merchant) -> int:
    from settle.webhooks_out.models import Delivery
    from settle.webhooks_out.services import endpoint_create, webhook_emit

    endpoint, _secret = endpoint_create(merchant=merchant, url=f"https://hooks.example/{next(_serial)}")
    webhook_emit(
        merchant_id=merchant.pk, event_type="case.opened", key=f"walk:{next(_serial)}", data={"walk": 1}
    )
    return Delivery.objects.filter(endpoint=endpoint).latest("id").pk
