"""The shops' own reminders count against Settle's contact budget: recorded once as contacts sent by the shop,
detected from Shopify's payment_schedules/due, or on the declared days; never delivered by Settle."""

from datetime import UTC, datetime, timedelta

from settle.cases.engine import CASE_FIELDS, TickContext, load_snapshots
from settle.cases.models import Case
from settle.communications.models import Message
from settle.core import clock
from settle.core.money import Money
from settle.integrations.shop_reminders import shop_reminders_record
from settle.ledger.models import Receivable
from settle.ledger.services import receivable_create

from .conftest import fixture, shopify_order
from .test_mapping import terms_fixture


def _shop_receivable(acme, alice, due, external_id="1001", source="woocommerce"):
    return receivable_create(merchant=acme, customer=alice, external_id=external_id, amount=Money(5000, "PLN"),
                             due_date=due, source=source)  # fmt: skip


def test_declared_reminders_are_recorded_once_on_their_day_and_counted_by_the_engine(connect, acme, alice):
    connect("woocommerce", shop_reminders=["woocommerce_follow_ups"])  # default: the day after the due date
    today = clock.now().astimezone(UTC).date()
    due_yesterday = _shop_receivable(acme, alice, today - timedelta(days=1))
    _shop_receivable(acme, alice, today + timedelta(days=5), external_id="1002")  # not its day yet
    receivable_create(
        merchant=acme,
        customer=alice,
        external_id="csv-1",
        amount=Money(100, "PLN"),
        due_date=today - timedelta(days=1),
    )  # fmt: skip  (not from the shop)
    assert shop_reminders_record(clock.now()) == 1
    assert shop_reminders_record(clock.now()) == 0  # idempotent: counted once
    contact = Message.objects.get(template_key="shop_reminder")
    assert (contact.status, contact.customer_id, contact.context["receivable"]) == (
        "sent",
        alice.pk,
        due_yesterday.number,
    )
    assert "sent by the shop" in contact.status_reason and contact.case is not None
    # The engine's snapshot of the case sees it as a contact (caps, cooling-off and one-a-day apply to it).
    case = contact.case
    rows = list(Case.objects.filter(pk=case.pk).values_list(*CASE_FIELDS))
    loaded = load_snapshots(rows, clock.now(), TickContext.load())
    assert len(loaded.snapshots[case.pk].contacts) == 1


def test_nothing_is_recorded_when_the_merchant_declared_no_shop_reminders(connect, acme, alice):
    connect("woocommerce")
    _shop_receivable(acme, alice, clock.now().date() - timedelta(days=1))
    assert shop_reminders_record(clock.now()) == 0 and not Message.objects.exists()


def test_shopify_schedule_due_detects_the_due_date_reminder_and_the_job_does_not_count_it_again(
    hooks, connect
):
    connect("shopify", shop_reminders=["shopify_payment_reminders"])
    hooks.shopify("orders/create", shopify_order(payment_terms=terms_fixture()))
    hooks.process()
    receivable = Receivable.objects.get()
    hooks.shopify("payment_schedules/due", fixture("shopify-payment_schedules-due-webhook.json"))
    hooks.process()
    assert Message.objects.filter(template_key="shop_reminder", status="sent").count() == 1
    # The daily job on the due date finds the same reminder: same key, nothing new.
    at_due = datetime.combine(receivable.due_date, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    assert shop_reminders_record(at_due) == 0
    assert Message.objects.filter(template_key="shop_reminder").count() == 1
