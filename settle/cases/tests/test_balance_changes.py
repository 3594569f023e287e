from datetime import date

from settle.cases.models import Case
from settle.communications.models import Message
from settle.core.money import Money
from settle.ledger.services import payment_record, receivable_create


def open_case_with_queued_reminder(merchant, customer, at):
    # The ledger opens the case with the first receivable (case_open); later ones join it.
    case = Case.objects.get(customer=customer, currency="PLN", closed_at__isnull=True)
    message = Message.objects.create(
        merchant=merchant, case=case, customer=customer, channel="email", template_key="reminder_1",
        idempotency_key=f"case-{case.pk}-reminder_1-email", not_before=at,
    )  # fmt: skip
    return case, message


def test_a_payment_that_clears_the_balance_closes_the_case_and_cancels_queued_messages(
    acme, alice, frozen_clock
):
    at = frozen_clock.now()
    receivable_create(merchant=acme, customer=alice, external_id="inv-1", amount=Money(10000, "PLN"),
                      due_date=date(2026, 11, 1))  # fmt: skip
    case, message = open_case_with_queued_reminder(acme, alice, at)

    payment_record(merchant=acme, customer=alice, amount=Money(4000, "PLN"), external_id="p-1")
    case.refresh_from_db(), message.refresh_from_db()
    assert case.is_open and message.status == "queued"  # partial: still owed

    payment_record(merchant=acme, customer=alice, amount=Money(6000, "PLN"), external_id="p-2")
    case.refresh_from_db(), message.refresh_from_db()
    assert (case.closed_at, case.outcome) == (at, "paid")
    assert message.status == "cancelled" and "paid" in message.status_reason


def test_a_new_overdue_invoice_only_touches_the_open_case(acme, alice, frozen_clock):
    at = frozen_clock.now()
    receivable_create(merchant=acme, customer=alice, external_id="inv-1", amount=Money(10000, "PLN"),
                      due_date=date(2026, 11, 1))  # fmt: skip
    case, message = open_case_with_queued_reminder(acme, alice, at)
    Case.objects.filter(pk=case.pk).update(next_check_at=None)
    receivable_create(merchant=acme, customer=alice, external_id="inv-2", amount=Money(500, "PLN"),
                      due_date=date(2026, 11, 20))  # fmt: skip
    case.refresh_from_db()
    assert case.is_open and case.next_check_at == at
