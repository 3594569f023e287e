"""Pay links end to end: reminder → link → Checkout Session → signed completion webhook → ledger → case closed."""

from datetime import date, timedelta

import pytest

from settle.cases.testing import case_for
from settle.communications.models import Message
from settle.core import clock
from settle.core.money import Money
from settle.integrations.models import InboundEvent, PayLink, WriteBack
from settle.ledger.models import Payment
from settle.ledger.services import receivable_create

from .conftest import fixture, shopify_order
from .fakes import FakeStripe


@pytest.fixture
def fake_stripe():
    with FakeStripe() as server:
        yield server


def _case_with_reminders(acme, alice):
    receivable = receivable_create(merchant=acme, customer=alice, external_id="INV-7", amount=Money(12900, "PLN"),
                                   due_date=date(2026, 11, 20), number="INV-7")  # fmt: skip
    case = case_for(merchant=acme, customer=alice, currency="PLN", opened_at=clock.now())
    common = {"merchant": acme, "case": case, "customer": alice, "channel": "email", "tone": "gentle",
              "locale": "pl", "context": {"case_id": case.pk, "balance_minor": 12900, "currency": "PLN"}}  # fmt: skip
    sent = Message.objects.create(step_key="r1", template_key="reminder_1", status="sent", sent_at=clock.now(),
                                  not_before=clock.now(), idempotency_key=f"case-{case.pk}-r1-email", **common)  # fmt: skip
    queued = Message.objects.create(step_key="r2", template_key="reminder_2", not_before=clock.now() + timedelta(days=7),
                                    idempotency_key=f"case-{case.pk}-r2-email", **common)  # fmt: skip
    return receivable, case, sent, queued


def test_reminder_link_checkout_webhook_payment_case_closed_next_reminder_cancelled(
    hooks, connect, acme, alice, fake_stripe
):
    connect("stripe", secrets={"api_key": "sk_test_fake"}, api_base=fake_stripe.base)
    receivable, case, sent, queued = _case_with_reminders(acme, alice)

    first = hooks.client.get(f"/pay/{sent.code}/")
    assert first.status_code == 302
    session = next(iter(fake_stripe.sessions.values()))
    assert first["Location"] == session["url"]
    assert session["amount_total"] == 12900 and session["currency"] == "pln"
    assert session["metadata"] == {"settle_case": str(case.pk), "settle_customer": str(alice.pk),
                                   "settle_receivables": str(receivable.pk), "settle_message": str(sent.code)}  # fmt: skip
    post = [r for r in fake_stripe.requests if r["method"] == "POST"][0]
    assert post["headers"]["Idempotency-Key"].startswith("settle-paylink-")
    # A second click reuses the open session: no second session at Stripe.
    assert hooks.client.get(f"/pay/{sent.code}/")["Location"] == session["url"]
    assert len(fake_stripe.sessions) == 1 and PayLink.objects.count() == 1

    completed = fixture("stripe-checkout-session-object.json")
    completed.update(id=session["id"], metadata=session["metadata"], amount_total=12900, currency="pln",
                     payment_status="paid", status="complete")  # fmt: skip
    event = {"id": "evt_cs_1", "object": "event", "type": "checkout.session.completed",
             "created": int(clock.now().timestamp()), "data": {"object": completed}}  # fmt: skip
    assert hooks.stripe(event).status_code == 200
    hooks.process()
    assert InboundEvent.objects.get().status == "processed"

    payment = Payment.objects.get()
    assert (payment.external_id, payment.amount_minor, payment.source) == (session["id"], 12900, "stripe")
    receivable.refresh_from_db()
    case.refresh_from_db()
    queued.refresh_from_db()
    assert (receivable.status, receivable.balance_minor) == ("paid", 0)
    assert case.closed_at is not None and case.outcome == "paid"
    assert queued.status == "cancelled"
    # The same webhook delivered again changes nothing.
    hooks.stripe(dict(event, id="evt_cs_1_retry"))
    hooks.process()
    assert Payment.objects.count() == 1
    # And the link now says there is nothing to pay instead of charging twice.
    after = hooks.client.get(f"/pay/{sent.code}/")
    assert after.status_code == 200 and len(fake_stripe.sessions) == 1


def test_pay_link_of_an_unknown_code_is_404(hooks):
    assert hooks.client.get("/pay/7f1b8f3e-1111-4c4c-9a9a-000000000000/").status_code == 404


def test_a_shop_order_paid_through_settle_is_marked_paid_in_the_shop(hooks, connect, acme, fake_stripe):
    from settle.integrations.tests.fakes import FakeShopify

    connect("stripe", secrets={"api_key": "sk_test_fake"}, api_base=fake_stripe.base)
    with FakeShopify(orders=[]) as shop:
        connect("shopify", secrets={"access_token": "shpat_x"}, api_base=shop.base)
        hooks.shopify("orders/create", shopify_order())
        hooks.process()
        receivable = hooks_receivable()
        case = case_for(merchant=acme, customer=receivable.customer, currency="USD", opened_at=clock.now())
        message = Message.objects.create(merchant=acme, case=case, customer=receivable.customer, channel="email",
                                         template_key="reminder_1", not_before=clock.now(), status="sent",
                                         idempotency_key=f"case-{case.pk}-r1-email")  # fmt: skip
        hooks.client.get(f"/pay/{message.code}/")
        session = next(iter(fake_stripe.sessions.values()))
        completed = dict(fixture("stripe-checkout-session-object.json"), id=session["id"], metadata=session["metadata"],
                         amount_total=40495, currency="usd", payment_status="paid")  # fmt: skip
        hooks.stripe({"id": "evt_cs_2", "type": "checkout.session.completed", "created": 1,
                      "data": {"object": completed}})  # fmt: skip
        hooks.process()
        wb = WriteBack.objects.get()
        assert (wb.action, wb.external_id) == ("mark_paid", "820982911946154508")
        from settle.integrations.services import write_backs_send

        assert write_backs_send(now=clock.now()) == 1
        wb.refresh_from_db()
        assert wb.status == "done", wb.last_error
        assert shop.mutations[0]["variables"] == {"input": {"id": "gid://shopify/Order/820982911946154508"}}


def hooks_receivable():
    from settle.ledger.models import Receivable

    return Receivable.objects.get()


def test_woocommerce_merchant_may_use_the_shops_own_checkout(hooks, connect, acme):
    from .conftest import woo_order

    connect("woocommerce", api_base="https://shop.example", settings={"pay_link_mode": "shop"})
    hooks.woo("order.created", woo_order())
    hooks.process()
    receivable = hooks_receivable()
    case = case_for(merchant=acme, customer=receivable.customer, currency="USD", opened_at=clock.now())
    message = Message.objects.create(merchant=acme, case=case, customer=receivable.customer, channel="email",
                                     template_key="reminder_1", not_before=clock.now(),
                                     idempotency_key=f"case-{case.pk}-r1-email")  # fmt: skip
    response = hooks.client.get(f"/pay/{message.code}/")
    assert response["Location"] == (
        "https://shop.example/checkout/order-pay/727/?pay_for_order=true&key=wc_order_58d2d042d1d"
    )
