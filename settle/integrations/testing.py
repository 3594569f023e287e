"""Isolation-walk factories for store connections and inbound events (see settle/apikit/testing.py)."""

from itertools import count

from settle.apikit.testing import register_id_factory

_serial = count(1)


@register_id_factory("connection_id")
def make_connection(merchant) -> int:
    from settle.customers.validation import FieldError
    from settle.integrations.models import Connection
    from settle.integrations.services import connection_create

    try:
        return connection_create(merchant=merchant, source="shopify", account="walk.myshopify.com",
                                 secrets={"webhook_secret": "walk-secret"}).pk  # fmt: skip
    except FieldError:  # one live connection per source: the walk reuses it
        return Connection.objects.filter(merchant=merchant, source="shopify").latest("id").pk


@register_id_factory("event_id")
def make_inbound_event(merchant) -> int:
    """A failed event, as a webhook with a bad payload leaves it (the kind a merchant replays)."""
    from settle.core import clock
    from settle.integrations.models import InboundEvent

    return InboundEvent.objects.create(
        merchant=merchant, source="shopify", topic="orders/create", delivery_id=f"walk-{next(_serial)}",
        body=b"{}", verified=True, status="failed", outcome="walk: amount did not parse", received_at=clock.now(),
    ).pk  # fmt: skip
