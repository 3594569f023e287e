"""Privacy webhooks and API, and backfill against loopback fakes with the vendors' rate limits."""

import pytest

from settle.customers.models import ContactPoint, Customer
from settle.integrations.backfill import Interrupted, backfill_run, reconcile_due
from settle.integrations.models import InboundEvent, PrivacyRequest
from settle.ledger.models import LedgerEntry, Receivable
from settle.ledger.services import ledger_verify

from .conftest import fixture, shopify_order, woo_order
from .fakes import FakeShopify, FakeStripe, FakeWooCommerce


def _shopify_customer_with_debt(hooks):
    order = shopify_order()
    order["customer"]["id"] = 191167  # the id the compliance samples name
    hooks.shopify("orders/create", order)
    hooks.process()
    return Customer.objects.get(external_id="191167")


def test_shopify_data_request_produces_an_export(hooks, connect):
    connect("shopify")
    customer = _shopify_customer_with_debt(hooks)
    hooks.shopify("customers/data_request", fixture("shopify-customers-data_request-webhook.json"))
    hooks.process()
    request = PrivacyRequest.objects.get(kind="data_request")
    assert request.external_ref == "9999" and request.customer == customer
    assert request.export["profile"]["name"] == "John Smith"
    assert request.export["receivables"][0]["amount_minor"] == 40495
    assert request.export["contact_points"][0]["value"] == "john@example.com"


def test_shopify_customer_redact_erases_personal_data_and_keeps_an_anonymised_ledger(hooks, connect):
    connect("shopify")
    customer = _shopify_customer_with_debt(hooks)
    entries = LedgerEntry.objects.count()
    hooks.shopify("customers/redact", fixture("shopify-customers-redact-webhook.json"))
    hooks.process()
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.name == f"Erased customer {customer.pk}"
    assert not ContactPoint.objects.filter(customer=customer).exists()
    assert LedgerEntry.objects.count() == entries and Receivable.objects.get().balance_minor == 40495
    assert ledger_verify(merchant=customer.merchant) == []
    # The raw order payload naming them is blanked too.
    order_event = InboundEvent.objects.get(topic="orders/create")
    assert bytes(order_event.body) == b"" and b"john@example.com" not in bytes(order_event.body)


def test_shopify_shop_redact_erases_every_customer_from_the_shop(hooks, connect):
    connect("shopify")
    _shopify_customer_with_debt(hooks)
    hooks.shopify("shop/redact", fixture("shopify-shop-redact-webhook.json"))
    hooks.process()
    assert not Customer.objects.filter(source="shopify", erased_at__isnull=True).exists()


def test_privacy_api_export_and_erase_are_tenant_scoped(api_as, acme, umbrella, alice):
    client = api_as(acme)
    export = client.get(f"/api/v1/customers/{alice.pk}/export")
    assert export.status_code == 200 and export.json()["profile"]["name"] == "Alicja Nowak"
    assert api_as(umbrella).get(f"/api/v1/customers/{alice.pk}/export").status_code == 404
    assert api_as(umbrella).post(f"/api/v1/customers/{alice.pk}/erase").status_code == 404
    assert api_as(acme, "collector").post(f"/api/v1/customers/{alice.pk}/erase").status_code == 403
    erased = client.post(f"/api/v1/customers/{alice.pk}/erase")
    assert erased.status_code == 200
    alice.refresh_from_db()
    assert alice.erased_at is not None and not alice.contact_points.exists()


# --- backfill ----------------------------------------------------------------------------------------------
def _gql_order(n: int, status: str = "PENDING") -> dict:
    return {"legacyResourceId": str(820982911946154500 + n), "name": f"#{1000 + n}", "createdAt": "2026-11-20T10:00:00Z",
            "processedAt": "2026-11-20T10:00:00Z", "updatedAt": "2026-11-20T10:00:00Z", "cancelledAt": None,
            "test": False, "email": f"buyer{n}@example.com", "displayFinancialStatus": status, "currencyCode": "USD",
            "paymentGatewayNames": ["Bank Deposit"], "tags": [],
            "totalOutstandingSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
            "currentTotalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
            "billingAddress": {"countryCodeV2": "US", "provinceCode": "NY", "city": "New York"},
            "customer": {"legacyResourceId": str(700 + n), "firstName": "Buyer", "lastName": str(n), "locale": "en",
                         "defaultEmailAddress": {"emailAddress": f"buyer{n}@example.com"}},
            "paymentTerms": None}  # fmt: skip


def test_shopify_backfill_pages_waits_for_the_cost_bucket_and_resumes(hooks, connect):
    # A bucket of 100 points refilling 40/s: back-to-back 52-point queries drain it, so a later one must wait
    # (slow enough that a busy machine's gap between two pages cannot refill the bucket by itself).
    with FakeShopify([_gql_order(n) for n in range(5)], maximum=100, restore_rate=40) as shop:
        conn = connect("shopify", secrets={"access_token": "shpat_x"}, api_base=shop.base)
        with pytest.raises(Interrupted):
            backfill_run(connection=conn, stop_after_pages=1)
        conn.refresh_from_db()
        assert conn.backfill_cursor == "2"
        assert InboundEvent.objects.count() == 2
        backfill_run(connection=conn)  # resumes at the cursor, not from the start
        conn.refresh_from_db()
        assert conn.backfill_cursor == "" and conn.backfill_done_at is not None
        assert InboundEvent.objects.count() == 5
        assert shop.throttled >= 1  # the fake refused at least once, and the client waited instead of failing
        cursors = [r for r in shop.requests if b'"cursor": "2"' in r["body"]]
        assert len([c for c in cursors if b"THROTTLED" not in c["body"]]) >= 1
    hooks.process()
    assert Receivable.objects.filter(source="shopify").count() == 5


def test_woocommerce_backfill_follows_total_pages_and_a_repull_adds_nothing(hooks, connect):
    orders = [woo_order(id=700 + n, number=str(700 + n)) for n in range(5)]
    with FakeWooCommerce(orders, per_page=2) as shop:
        conn = connect(
            "woocommerce", secrets={"consumer_key": "ck", "consumer_secret": "cs"}, api_base=shop.base
        )
        assert backfill_run(connection=conn) == 5
        assert [r["query"]["page"][0] for r in shop.requests] == ["1", "2", "3"]
        assert shop.requests[0]["headers"]["Authorization"].startswith("Basic ")
        conn.refresh_from_db()
        assert backfill_run(connection=conn) == 0  # unchanged orders: same poll ids
    hooks.process()
    assert Receivable.objects.filter(source="woocommerce").count() == 5


def test_stripe_backfill_auto_pages_through_the_sdk_and_survives_429(hooks, connect, settings):
    invoice = fixture("stripe-invoice-object-send_invoice.json")
    invoices = [dict(invoice, id=f"in_{n:03d}", status="open", amount_remaining=invoice.get("amount_due") or 1000)
                for n in range(120)]  # fmt: skip
    with FakeStripe(invoices=invoices, rate_limit_every=3) as server:
        conn = connect("stripe", secrets={"api_key": "sk_test_fake"}, api_base=server.base)
        assert backfill_run(connection=conn) == 120
        lists = [r for r in server.requests if r["path"] == "/v1/invoices"]
        assert len(lists) >= 2  # 100 + 20, plus the retried 429s
    assert hooks.process() == 120


def test_woocommerce_backfill_interrupted_resumes_at_the_saved_page(hooks, connect):
    orders = [woo_order(id=710 + n, number=str(710 + n)) for n in range(5)]
    with FakeWooCommerce(orders, per_page=2) as shop:
        conn = connect(
            "woocommerce", secrets={"consumer_key": "ck", "consumer_secret": "cs"}, api_base=shop.base
        )
        with pytest.raises(Interrupted):
            backfill_run(connection=conn, stop_after_pages=1)
        conn.refresh_from_db()
        assert conn.backfill_cursor == "2" and InboundEvent.objects.count() == 2
        assert backfill_run(connection=conn) == 3  # pages 2 and 3 only
        assert [r["query"]["page"][0] for r in shop.requests] == ["1", "2", "3"]
        conn.refresh_from_db()
        assert conn.backfill_cursor == "" and conn.backfill_done_at is not None
    assert hooks.process() == 5
    assert Receivable.objects.filter(source="woocommerce").count() == 5


def test_stripe_backfill_interrupted_resumes_after_the_last_stored_invoice(hooks, connect):
    invoice = fixture("stripe-invoice-object-send_invoice.json")
    invoices = [dict(invoice, id=f"in_{n:03d}", status="open", amount_remaining=invoice.get("amount_due") or 1000)
                for n in range(130)]  # fmt: skip
    with FakeStripe(invoices=invoices) as server:
        conn = connect("stripe", secrets={"api_key": "sk_test_fake"}, api_base=server.base)
        with pytest.raises(Interrupted):
            backfill_run(connection=conn, stop_after_pages=1)
        conn.refresh_from_db()
        assert conn.backfill_cursor == "in_099" and InboundEvent.objects.count() == 100
        assert backfill_run(connection=conn) == 30
        lists = [r for r in server.requests if r["path"] == "/v1/invoices"]
        assert lists[-1]["query"]["starting_after"] == ["in_099"]  # resumed, not restarted
    assert InboundEvent.objects.count() == 130
    assert hooks.process() == 130


def test_reconcile_catches_a_woocommerce_payment_whose_webhook_was_lost(hooks, connect):
    from datetime import timedelta

    from settle.core import clock

    order = woo_order(id=901, number="901")
    with FakeWooCommerce([order]) as shop:
        conn = connect(
            "woocommerce", secrets={"consumer_key": "ck", "consumer_secret": "cs"}, api_base=shop.base
        )
        backfill_run(connection=conn)
        hooks.process()
        receivable = Receivable.objects.get(source="woocommerce", external_id="901")
        assert receivable.balance_minor > 0
        # Paid in the shop later; the order.updated webhook never arrives. The order is no longer "unpaid",
        # so only a reconcile that asks for every status sees it.
        later = clock.now() + timedelta(hours=2)
        order.update(status="completed", date_paid_gmt=later.strftime("%Y-%m-%dT%H:%M:%S"),
                     date_modified_gmt=later.strftime("%Y-%m-%dT%H:%M:%S"))  # fmt: skip
        assert reconcile_due(now=later) == 1
        assert (
            shop.requests[-1]["query"]["status"] == ["any"] and "modified_after" in shop.requests[-1]["query"]
        )
    hooks.process()
    receivable.refresh_from_db()
    assert receivable.balance_minor == 0


def test_reconcile_catches_a_shopify_payment_whose_webhook_was_lost(hooks, connect):
    from datetime import timedelta

    from settle.core import clock

    node = _gql_order(1)
    with FakeShopify([node], maximum=1000, restore_rate=1000) as shop:
        conn = connect("shopify", secrets={"access_token": "shpat_x"}, api_base=shop.base)
        backfill_run(connection=conn)
        hooks.process()
        receivable = Receivable.objects.get(source="shopify")
        assert receivable.balance_minor == 1000
        later = clock.now() + timedelta(hours=2)
        node.update(displayFinancialStatus="PAID", updatedAt=later.isoformat(),
                    totalOutstandingSet={"shopMoney": {"amount": "0.00", "currencyCode": "USD"}})  # fmt: skip
        assert reconcile_due(now=later) == 1
    hooks.process()
    receivable.refresh_from_db()
    assert receivable.balance_minor == 0


def test_reconcile_reads_stripes_event_log_and_skips_events_the_webhook_delivered(hooks, connect):
    import copy
    from datetime import timedelta

    from settle.core import clock

    invoice = fixture("stripe-invoice-object-send_invoice.json")
    open_invoice = dict(
        invoice, id="in_rec", status="open", paid=False, amount_due=2500, amount_remaining=2500
    )
    with FakeStripe(invoices=[open_invoice]) as server:
        conn = connect("stripe", secrets={"api_key": "sk_test_fake"}, api_base=server.base)
        backfill_run(connection=conn)
        hooks.process()
        receivable = Receivable.objects.get(source="stripe", external_id="in_rec")
        assert receivable.balance_minor == 2500
        later = int((clock.now() + timedelta(hours=2)).timestamp())
        # Two events in the real list shape: one also arrived as a webhook, the payment's did not.
        template = fixture("stripe-invoice-paid-events-list.json")["data"][0]
        delivered = dict(copy.deepcopy(template), id="evt_delivered", type="invoice.finalized", created=later - 60,
                         data={"object": open_invoice})  # fmt: skip
        lost = dict(copy.deepcopy(template), id="evt_lost", type="invoice.paid", created=later,
                    data={"object": dict(open_invoice, status="paid", paid=True, amount_remaining=0)})  # fmt: skip
        hooks.stripe(delivered)
        server.events = [lost, delivered]  # newest first, as Stripe lists them
        from datetime import UTC, datetime

        assert reconcile_due(now=datetime.fromtimestamp(later, UTC)) == 1  # same event id = same dedupe key
        listed = [r for r in server.requests if r["path"] == "/v1/events"]
        assert listed and "invoice.paid" in {
            v[0] for k, v in listed[0]["query"].items() if k.startswith("types")
        }
    hooks.process()
    receivable.refresh_from_db()
    assert receivable.balance_minor == 0


def test_reconcile_runs_for_connections_due_and_not_again_within_the_interval(hooks, connect):
    orders = [woo_order(id=800, number="800")]
    with FakeWooCommerce(orders) as shop:
        connect("woocommerce", secrets={"consumer_key": "ck", "consumer_secret": "cs"}, api_base=shop.base)
        from settle.core import clock

        assert reconcile_due(now=clock.now()) == 1
        assert reconcile_due(now=clock.now()) == 0
        assert len(shop.requests) == 1


def test_privacy_page_exports_and_erases_for_managers_of_the_same_merchant(acme, umbrella, alice, login_as):
    manager = login_as(acme, "manager")
    download = manager.get(f"/customers/{alice.pk}/privacy/export.json")
    assert download.status_code == 200 and download.json()["profile"]["name"] == "Alicja Nowak"
    assert login_as(acme, "collector").get(f"/customers/{alice.pk}/privacy/").status_code == 403
    assert login_as(umbrella, "owner").get(f"/customers/{alice.pk}/privacy/export.json").status_code == 404
    manager.post(f"/customers/{alice.pk}/privacy/", {"confirm": "nope"})
    alice.refresh_from_db()
    assert alice.erased_at is None
    manager.post(f"/customers/{alice.pk}/privacy/", {"confirm": "erase"})
    alice.refresh_from_db()
    assert alice.erased_at is not None and alice.name.startswith("Erased customer")
