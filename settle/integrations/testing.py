"""Test support: factories for the merchant-app isolation walk (settle/web/tests/test_isolation.py)."""

import json

from settle.integrations.tests.conftest import shopify_headers, shopify_order


def _make_connection(merchant) -> int:
    from settle.integrations.models import Connection
    from settle.integrations.services import connection_create

    live = Connection.objects.filter(merchant=merchant, disconnected_at__isnull=True).first()
    return (
        live or connection_create(merchant=merchant, source="shopify", secrets={"webhook_secret": "s"})
    ).pk


def _make_event(merchant) -> int:
    from settle.integrations.models import InboundEvent
    from settle.integrations.services import webhook_receive

    _make_connection(merchant)
    body = json.dumps(shopify_order()).encode()
    headers = {
        k[5:].replace("_", "-").title(): v
        for k, v in shopify_headers(body, "orders/create", secret="s").items()
    }
    webhook_receive(
        merchant_slug=merchant.slug, source="shopify", body=body, headers=headers, content_length=len(body)
    )
    return InboundEvent.objects.filter(merchant=merchant).latest("id").pk


def _register_isolation_factories() -> None:
    from settle.web.testing import ID_FACTORIES, SKIP_PREFIXES

    ID_FACTORIES.setdefault("connection_id", _make_connection)
    ID_FACTORIES.setdefault("event_id", _make_event)
    SKIP_PREFIXES.setdefault(
        "hooks/", "signed shop webhooks: tenant from the URL + signature (integrations tests)"
    )
    SKIP_PREFIXES.setdefault("pay/", "public pay links by unguessable Message.code (integrations tests)")


_register_isolation_factories()
