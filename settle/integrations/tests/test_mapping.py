"""What is a debt and when it is due, per source, and order-independence of the mapping."""

import itertools
from datetime import timedelta

import pytest

from settle.cases.testing import case_for
from settle.integrations.models import InboundEvent, SyncedObject
from settle.ledger.models import Receivable

from .conftest import fixture, shopify_order, stripe_event, woo_order


def terms_fixture(**schedule_changes):
    """Synthetic: the real payment_terms/create sample embedded in an order, with an open schedule."""
    terms = fixture("shopify-payment_terms-create-webhook.json")
    terms["payment_schedules"][0].update({"completed_at": None, "due_at": "2026-11-27T00:00:00-05:00",
                                          "updated_at": "2026-11-20T10:00:00-05:00"})  # fmt: skip
    terms["payment_schedules"][0].update(schedule_changes)
    terms["updated_at"] = "2026-11-20T10:00:00-05:00"
    return terms


# --- Shopify -------------------------------------------------------------------------------------------
def test_shopify_net_terms_due_date_comes_from_the_open_schedule(hooks, connect):
    connect("shopify")
    hooks.shopify("orders/create", shopify_order(payment_terms=terms_fixture(), payment_gateway_names=[]))
    hooks.process()
    receivable = Receivable.objects.get()
    assert receivable.due_date.isoformat() == "2026-11-27"
    assert receivable.terms == "Net 7"


def test_shopify_fulfilment_terms_wait_for_the_due_date_from_payment_terms_update(hooks, connect):
    connect("shopify")
    terms = terms_fixture(due_at=None)
    terms.update(payment_terms_type="fulfillment", payment_terms_name="Due on fulfillment")
    hooks.shopify("orders/create", shopify_order(payment_terms=terms))
    hooks.process()
    assert not Receivable.objects.exists()
    assert SyncedObject.objects.get(kind="order").state == "awaiting_due_date"
    terms = terms_fixture(due_at="2026-12-10T00:00:00-05:00")
    terms.update(payment_terms_type="fulfillment", updated_at="2026-11-25T10:00:00-05:00")
    hooks.shopify("payment_terms/update", terms)
    hooks.process()
    assert InboundEvent.objects.order_by("-id")[0].status == "processed"
    assert Receivable.objects.get().due_date.isoformat() == "2026-12-10"


def test_shopify_schedule_due_finds_the_order_through_its_terms_and_rechecks_the_case(hooks, connect, acme):
    connect("shopify")
    hooks.shopify("orders/create", shopify_order(payment_terms=terms_fixture()))
    hooks.process()
    case = case_for(merchant=acme, customer=Receivable.objects.get().customer, currency="USD",
                               opened_at=hooks_now(), next_check_at=hooks_now() + timedelta(days=3))  # fmt: skip
    schedule = fixture("shopify-payment_schedules-due-webhook.json")  # names payment_terms_id, no order id
    hooks.shopify("payment_schedules/due", schedule)
    hooks.process()
    assert InboundEvent.objects.order_by("-id")[0].status == "processed"
    case.refresh_from_db()
    assert case.next_check_at == hooks_now()


def hooks_now():
    from settle.core import clock

    return clock.now()


def test_shopify_schedule_due_before_its_order_is_held_then_matched(hooks, connect):
    connect("shopify")
    hooks.shopify("payment_schedules/due", fixture("shopify-payment_schedules-due-webhook.json"))
    hooks.process()
    held = InboundEvent.objects.get()
    assert (held.status, held.held_for) == ("held", "terms:706405506930370084")
    hooks.shopify("orders/create", shopify_order(payment_terms=terms_fixture()))
    hooks.process()
    held.refresh_from_db()
    assert held.status == "processed", held.outcome


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"payment_gateway_names": ["Klarna"]}, "financed by a third party (klarna)"),
        ({"payment_gateway_names": ["shop_pay_installments"]}, "financed by a third party"),
        ({"tags": "pre-order, vip"}, "deposit or pre-order schedule (pre-order)"),
        ({"test": True}, "test order"),
        ({"financial_status": "authorized"}, "not a debt: financial status authorized"),
    ],
)
def test_shopify_orders_that_are_not_the_merchants_debt_are_skipped_with_the_reason(
    hooks, connect, changes, reason
):
    connect("shopify")
    hooks.shopify("orders/create", shopify_order(**changes))
    hooks.process()
    event = InboundEvent.objects.get()
    assert event.status == "skipped" and event.outcome.startswith(reason)
    assert not Receivable.objects.exists()


def test_shopify_due_policy_per_payment_method_and_optional_terms_write_back(hooks, connect):
    connect("shopify", settings={"due_days": {"cash on delivery (cod)": 5}, "write_back_terms": True})
    hooks.shopify("orders/create", shopify_order(payment_gateway_names=["Cash on Delivery (COD)"]))
    hooks.process()
    receivable = Receivable.objects.get()
    assert receivable.due_date.isoformat() == "2026-11-25" and receivable.terms == "policy: 5 days"
    from settle.integrations.models import WriteBack

    wb = WriteBack.objects.get()
    assert (wb.action, wb.external_id, wb.payload) == ("payment_terms_create", "820982911946154508",
                                                      {"due_date": "2026-11-25"})  # fmt: skip


V1, V2, V3 = "2026-11-20T10:00:00-05:00", "2026-11-21T10:00:00-05:00", "2026-11-22T10:00:00-05:00"
SEQUENCE = [
    ("orders/create", {"updated_at": V1}),
    (
        "orders/updated",
        {"updated_at": V2, "financial_status": "partially_paid", "total_outstanding": "100.00"},
    ),
    ("orders/paid", {"updated_at": V3, "financial_status": "paid", "total_outstanding": "0.00"}),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_shopify_shuffled_deliveries_never_move_state_backwards(hooks, connect, order):
    connect("shopify")
    for i in order:
        topic, changes = SEQUENCE[i]
        hooks.shopify(topic, shopify_order(**changes))
        hooks.process()  # one at a time: the worst case for ordering
    assert not Receivable.objects.filter(balance_minor__gt=0).exists()
    obj = SyncedObject.objects.get(kind="order")
    assert obj.version.isoformat() == "2026-11-22T15:00:00+00:00" and obj.state == "paid"


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_shopify_partial_payment_lands_on_the_same_balance_in_any_order(hooks, connect, order):
    connect("shopify")
    for i in order:
        hooks.shopify(SEQUENCE[i][0], shopify_order(**SEQUENCE[i][1]))
    hooks.process()
    receivable = Receivable.objects.get()
    assert (receivable.amount_minor, receivable.balance_minor) == (40495, 10000)


def test_shopify_cancelled_order_credits_the_balance_and_closes_it(hooks, connect):
    connect("shopify")
    hooks.shopify("orders/create", shopify_order())
    hooks.shopify("orders/cancelled", shopify_order(cancelled_at=V2, updated_at=V2))
    hooks.process()
    receivable = Receivable.objects.get()
    assert (receivable.status, receivable.balance_minor) == ("cancelled", 0)


def test_shopify_refund_before_its_order_is_held_and_applied_when_the_order_arrives(hooks, connect):
    connect("shopify")
    refund = fixture("shopify-refunds-create-webhook.json")
    refund["transactions"] = refund["transactions"][:1]  # 75.00
    hooks.shopify("refunds/create", refund)
    hooks.process()
    assert InboundEvent.objects.get().status == "held"
    # The order was paid at the shop (a payment Settle records), then 75.00 of it was refunded.
    hooks.shopify("orders/create", shopify_order(updated_at=V1))
    hooks.shopify(
        "orders/paid", shopify_order(updated_at=V2, financial_status="paid", total_outstanding="0.00")
    )
    hooks.process()
    statuses = dict(InboundEvent.objects.values_list("topic", "status"))
    assert statuses["refunds/create"] == "processed"
    receivable = Receivable.objects.get()
    assert receivable.balance_minor == 7500  # the refunded payment reopened 75.00


def test_shopify_customer_update_changes_contact_data(hooks, connect):
    connect("shopify")
    data = fixture("shopify-customers-update-webhook.json")
    hooks.shopify("customers/update", data)
    hooks.process()
    event = InboundEvent.objects.get()
    assert event.status == "processed", event.outcome
    from settle.customers.models import Customer

    customer = Customer.objects.get(external_id=str(data["id"]))
    assert customer.contact_points.filter(kind="email", value=data["email"]).exists()


# --- WooCommerce -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "debt"),
    [
        ({"status": "on-hold", "payment_method": "bacs"}, True),
        ({"status": "on-hold", "payment_method": "cheque"}, True),
        ({"status": "on-hold", "payment_method": "stripe"}, False),
        ({"status": "pending", "payment_method": "paypal"}, True),
        ({"status": "failed", "payment_method": "stripe"}, True),
        ({"status": "processing", "payment_method": "cod"}, True),
        ({"status": "processing", "payment_method": "cod", "date_paid_gmt": "2026-11-21T10:00:00"}, False),
        ({"status": "processing", "payment_method": "bacs", "date_paid_gmt": "2026-11-21T10:00:00"}, False),
        ({"status": "completed", "payment_method": "bacs"}, False),
    ],
)
def test_woocommerce_receivables_by_status_and_payment_method(hooks, connect, changes, debt):
    connect("woocommerce")
    hooks.woo("order.created", woo_order(**changes))
    hooks.process()
    assert Receivable.objects.exists() is debt, InboundEvent.objects.get().outcome


def test_woocommerce_amounts_gmt_times_and_due_policy(hooks, connect):
    connect("woocommerce")
    hooks.woo("order.created", woo_order())
    hooks.process()
    receivable = Receivable.objects.get()
    assert (receivable.external_id, receivable.number, receivable.amount_minor, receivable.currency) == (
        "727", "727", 2935, "USD")  # fmt: skip
    assert receivable.issued_at.isoformat() == "2026-11-20T10:00:00+00:00"  # the *_gmt twin, read as UTC
    assert receivable.due_date.isoformat() == "2026-12-04"  # bacs: 14 days
    assert receivable.customer.name == "John Doe"


def test_woocommerce_invoice_plugin_due_date_from_meta_data(hooks, connect):
    connect("woocommerce")
    meta = [{"id": 1, "key": "_wcpdf_invoice_due_date", "value": "1765152000"}]  # 2025-12-08 00:00 UTC
    hooks.woo("order.created", woo_order(meta_data=meta))
    hooks.process()
    assert Receivable.objects.get().due_date.isoformat() == "2025-12-08"


def test_woocommerce_completed_after_on_hold_settles_and_an_older_update_does_not_reopen(hooks, connect):
    connect("woocommerce")
    hooks.woo("order.created", woo_order())
    hooks.woo("order.updated", woo_order(status="completed", date_paid_gmt="2026-11-22T10:00:00",
                                         date_modified_gmt="2026-11-22T10:00:00"))  # fmt: skip
    hooks.process()
    hooks.woo("order.updated", woo_order(date_modified_gmt="2026-11-21T10:00:00"))  # late, older
    hooks.process()
    receivable = Receivable.objects.get()
    assert (receivable.status, receivable.balance_minor) == ("paid", 0)


def test_woocommerce_subscription_renewal_is_left_alone_during_the_store_retry_window(
    hooks, connect, frozen_clock
):
    connect("woocommerce", settings={"subscription_retry_days": 7})
    renewal = woo_order(status="failed", payment_method="stripe", created_via="subscription",
                        date_created_gmt="2026-11-28T10:00:00", date_modified_gmt="2026-11-28T10:00:00")  # fmt: skip
    hooks.woo("order.created", renewal)
    hooks.process()
    assert InboundEvent.objects.get().status == "skipped" and not Receivable.objects.exists()
    from settle.integrations.services import events_recheck

    frozen_clock.advance(timedelta(days=5))  # past the window end, 2026-12-05 10:00
    assert events_recheck(now=hooks_now()) == 1
    assert Receivable.objects.get().due_date.isoformat() == "2026-12-12"


# --- Stripe ------------------------------------------------------------------------------------------------
def test_stripe_send_invoice_is_due_on_its_due_date(hooks, connect):
    connect("stripe")
    hooks.stripe(stripe_event("stripe-invoice-finalized.json"))
    hooks.process()
    receivable = Receivable.objects.get()
    assert (receivable.external_id, receivable.amount_minor, receivable.currency) == (
        "in_00000000000000",
        1000,
        "USD",
    )
    assert receivable.due_date.isoformat() == "2019-02-06"


def test_stripe_automatic_invoice_is_not_chased_while_stripe_retries(hooks, connect):
    connect("stripe")
    event = stripe_event("stripe-invoice-payment_failed.json", amount_due=2500, amount_remaining=2500,
                         collection_method="charge_automatically", status="open")  # fmt: skip
    hooks.stripe(event)
    hooks.process()
    ev = InboundEvent.objects.get()
    assert ev.status == "skipped" and ev.outcome.startswith("Stripe retries the charge itself")
    assert not Receivable.objects.exists()
    final = stripe_event("stripe-invoice-payment_failed.json", amount_due=2500, amount_remaining=2500,
                         collection_method="charge_automatically", status="open", next_payment_attempt=None)  # fmt: skip
    final.update(id="evt_final", created=event["created"] + 86400)
    hooks.stripe(final)
    hooks.process()
    assert Receivable.objects.get().balance_minor == 2500


def test_stripe_uncollectible_invoice_still_closes_when_paid(hooks, connect):
    connect("stripe")
    finalized = stripe_event("stripe-invoice-finalized.json")
    hooks.stripe(finalized)
    uncollectible = stripe_event("stripe-invoice-marked_uncollectible.json", id="in_00000000000000",
                                 status="uncollectible", amount_due=1000, amount_remaining=1000, currency="usd")  # fmt: skip
    uncollectible["created"] = finalized["created"] + 10
    hooks.stripe(uncollectible)
    hooks.process()
    assert SyncedObject.objects.get(kind="invoice").state == "uncollectible"
    assert Receivable.objects.get().balance_minor == 1000
    paid = stripe_event("stripe-invoice-finalized.json", status="paid", amount_paid=1000, amount_remaining=0)
    paid.update(id="evt_paid", type="invoice.paid", created=finalized["created"] + 20)
    hooks.stripe(paid)
    hooks.process()
    receivable = Receivable.objects.get()
    assert (receivable.status, receivable.balance_minor) == ("paid", 0)


def test_stripe_partial_invoice_payment_before_its_invoice_is_held_then_matched(hooks, connect):
    connect("stripe")
    finalized = stripe_event("stripe-invoice-finalized.json")
    partial = {"id": "evt_ip", "object": "event", "type": "invoice_payment.paid", "created": finalized["created"] + 5,
               "data": {"object": {"id": "inpay_1", "object": "invoice_payment", "invoice": "in_00000000000000",
                                   "amount_paid": 400, "currency": "usd", "status": "paid"}}}  # fmt: skip
    hooks.stripe(partial)
    hooks.process()
    assert InboundEvent.objects.get().status == "held"
    hooks.stripe(finalized)
    hooks.process()
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    assert Receivable.objects.get().balance_minor == 600
    # A replayed invoice.updated after the partial payment must not count it twice.
    again = stripe_event("stripe-invoice-finalized.json", amount_remaining=600, amount_paid=400)
    again.update(id="evt_upd", type="invoice.updated", created=finalized["created"] + 9)
    hooks.stripe(again)
    hooks.process()
    assert Receivable.objects.get().balance_minor == 600


def test_stripe_voided_invoice_is_cancelled_and_a_late_finalized_does_not_reopen(hooks, connect):
    connect("stripe")
    finalized = stripe_event("stripe-invoice-finalized.json")
    voided = stripe_event("stripe-invoice-finalized.json", status="void")
    voided.update(id="evt_void", type="invoice.voided", created=finalized["created"] + 60)
    hooks.stripe(voided)
    hooks.stripe(finalized)
    hooks.process()
    assert not Receivable.objects.exists()
    assert SyncedObject.objects.get(kind="invoice").state == "void"


def test_a_customers_credit_applied_to_a_new_shop_order_is_not_undone_by_the_sync(hooks, connect, acme):
    """The shop's outstanding amount knows nothing of credit held in Settle: the sync must not raise the
    balance back over it (which would swallow the credit and leave the full amount owed)."""
    from settle.core.money import Money
    from settle.customers.models import Customer
    from settle.ledger.models import LedgerEntry
    from settle.ledger.services import payment_record

    connect("shopify")
    first = shopify_order(id=5001, name="#5001")
    hooks.shopify("orders/create", first)
    hooks.process()
    customer = Customer.objects.get()
    owed = Receivable.objects.get().balance_minor
    # The customer overpays the first order by 10.00 through Settle: 10.00 of credit.
    payment_record(merchant=acme, customer=customer, amount=Money(owed + 1000, "USD"), external_id="bank-1")
    second = shopify_order(id=5002, name="#5002")
    hooks.shopify("orders/create", second)
    hooks.process()
    new = Receivable.objects.get(external_id="5002")
    assert new.balance_minor == new.amount_minor - 1000  # the credit went to the new order and stays there
    assert not LedgerEntry.objects.filter(receivable=new, kind="adjustment").exists()
    # A later update from the shop with the same outstanding amount changes nothing either.
    hooks.shopify("orders/updated", {**second, "updated_at": "2026-11-21T10:00:00-05:00"})
    hooks.process()
    new.refresh_from_db()
    assert new.balance_minor == new.amount_minor - 1000
