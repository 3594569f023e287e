"""Write-back to the shops: the merchant's cancel-and-restock choice, WooCommerce status updates, retries."""

from datetime import timedelta

from settle.core import clock
from settle.integrations.models import WriteBack
from settle.integrations.services import order_cancel_at_source, write_back_queue, write_backs_send
from settle.integrations.sync import Context
from settle.ledger.models import Receivable

from .conftest import shopify_order, woo_order
from .fakes import FakeShopify, FakeWooCommerce


def test_last_step_cancels_and_restocks_only_when_the_merchant_chose_it(hooks, connect):
    with FakeShopify(orders=[]) as shop:
        conn = connect("shopify", secrets={"access_token": "shpat_x"}, api_base=shop.base)
        hooks.shopify("orders/create", shopify_order())
        hooks.process()
        receivable = Receivable.objects.get()
        assert order_cancel_at_source(receivable=receivable) is None  # not chosen: nothing happens
        conn.settings = {"cancel_on_final_step": True, "restock_on_cancel": True}
        conn.save()
        wb = order_cancel_at_source(receivable=receivable)
        assert order_cancel_at_source(receivable=receivable) == wb  # queued once
        assert write_backs_send(now=clock.now()) == 1
        variables = shop.mutations[0]["variables"]
        assert (
            variables["orderId"] == "gid://shopify/Order/820982911946154508" and variables["restock"] is True
        )


def test_woocommerce_mark_paid_and_retry_with_backoff_when_the_shop_is_down(hooks, connect, frozen_clock):
    with FakeWooCommerce([]) as shop:
        conn = connect(
            "woocommerce", secrets={"consumer_key": "ck", "consumer_secret": "cs"}, api_base=shop.base
        )
        hooks.woo("order.created", woo_order())
        hooks.process()
        ctx = Context(merchant=conn.merchant, connection=conn, event=None, now=clock.now())
        write_back_queue(ctx=ctx, action="mark_paid", external_id="727")
        write_backs_send(now=clock.now())
        assert shop.updates == [
            {"path": "/wp-json/wc/v3/orders/727", "status": "processing", "set_paid": True}
        ]
        assert WriteBack.objects.get().status == "done"
    conn.api_base = "http://127.0.0.1:9"  # nothing listens: the shop is down
    conn.save()
    write_back_queue(ctx=Context(merchant=conn.merchant, connection=conn, event=None, now=clock.now()),
                     action="cancel", external_id="727")  # fmt: skip
    write_backs_send(now=clock.now())
    wb = WriteBack.objects.get(action="cancel")
    assert (wb.status, wb.attempts) == ("queued", 1) and wb.last_error
    assert wb.next_attempt_at == clock.now() + timedelta(seconds=60)
