"""Connection pages: manager+, tenant-scoped; connect, test, see events with outcomes, replay, disconnect."""

from settle.integrations.models import Connection, InboundEvent
from settle.integrations.secrets_box import unseal

from .conftest import shopify_order, woo_order
from .fakes import FakeWooCommerce


def test_connect_shows_webhook_url_and_stores_secrets_encrypted(acme, login_as, frozen_clock):
    client = login_as(acme, "manager")
    response = client.post("/integrations/", {"source": "shopify", "account": "acme.myshopify.com",
                                              "webhook_secret": "shpss_abc", "shop_reminders": ["shopify_payment_reminders"]})  # fmt: skip
    assert response.status_code == 302
    conn = Connection.objects.get()
    assert "shpss_abc" not in conn.secrets_encrypted and unseal(conn.secrets_encrypted) == {
        "webhook_secret": "shpss_abc"
    }
    assert conn.shop_reminders == ["shopify_payment_reminders"]
    page = client.get("/integrations/")
    assert b"/hooks/shopify/acme/" in page.content and b"shopify_payment_reminders" in page.content
    from settle.integrations.selectors import shop_reminders_for

    assert shop_reminders_for(merchant=acme) == ["shopify_payment_reminders"]


def test_pages_need_a_manager_and_never_show_another_tenant(acme, umbrella, login_as, connect, hooks):
    connect("shopify")
    hooks.shopify("orders/create", shopify_order(total_outstanding="x"))
    hooks.process()
    event = InboundEvent.objects.get()
    assert login_as(acme, "collector").get("/integrations/").status_code == 403
    other = login_as(umbrella, "owner")
    assert b"orders/create" not in other.get("/integrations/events/").content
    assert other.post(f"/integrations/events/{event.pk}/replay/").status_code == 404
    conn = Connection.objects.get()
    assert other.post(f"/integrations/{conn.pk}/disconnect/").status_code == 404
    manager = login_as(acme, "manager")
    page = manager.get("/integrations/")
    assert b"orders/create" in page.content and b"total_outstanding" in page.content
    assert manager.post(f"/integrations/events/{event.pk}/replay/").status_code == 302
    event.refresh_from_db()
    assert event.attempts == 2
    manager.post(f"/integrations/{conn.pk}/disconnect/")
    conn.refresh_from_db()
    assert conn.disconnected_at is not None
    assert hooks.shopify("orders/create", shopify_order()).status_code == 404  # no longer accepted


def test_test_connection_calls_the_store_api(acme, login_as, connect, frozen_clock):
    with FakeWooCommerce([woo_order()]) as shop:
        conn = connect(
            "woocommerce", secrets={"consumer_key": "ck", "consumer_secret": "cs"}, api_base=shop.base
        )
        page = login_as(acme, "manager").post(f"/integrations/{conn.pk}/test/", follow=True)
    assert b"WooCommerce REST API reachable: 1 orders" in page.content
