"""Promises to pay on the real database: the tick honours them, payments keep them, a passed day breaks them."""

from datetime import UTC, date, datetime, timedelta

import pytest

from settle.cases.engine import advance_due_cases
from settle.cases.models import Case, CaseEvent
from settle.cases.promises import promise_make
from settle.communications.models import Message
from settle.core.money import Money
from settle.ledger.services import payment_record

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WAKES = datetime(2026, 12, 10, 23, 0, tzinfo=UTC)  # 11 December 00:00 in Warsaw


@pytest.fixture
def promised(acme, alice, overdue, frozen_clock):
    """Alicja owes 100 PLN since 20 November, got reminder-1 today, and promises 60 PLN by 10 December."""
    overdue(alice, "inv-1", 10_000, date(2026, 11, 20))
    assert advance_due_cases(NOW) == 1
    case = Case.objects.get(customer=alice)
    promise = promise_make(case=case, amount=Money(6_000, "PLN"), promised_for=date(2026, 12, 10), at=NOW,
                           by_label="kasia")  # fmt: skip
    return case, promise


def _pay(acme, alice, minor, ref, at):
    return payment_record(merchant=acme, customer=alice, amount=Money(minor, "PLN"), external_id=ref,
                          received_at=at)  # fmt: skip


def test_a_pending_promise_stops_escalation_until_the_day_after(acme, alice, promised):
    case, promise = promised
    case.refresh_from_db()
    assert case.next_check_at == WAKES
    # Even when something wakes the case (a new order joins it), nothing escalates while the promise stands.
    Case.objects.filter(pk=case.pk).update(next_check_at=NOW + timedelta(days=1))
    assert advance_due_cases(NOW + timedelta(days=1)) == 1
    assert list(Message.objects.values_list("step_key", flat=True)) == ["reminder-1"]  # reminder-2 was due
    event = CaseEvent.objects.filter(case=case, kind="decision").latest("id")
    assert (event.stage, event.action, event.next_check_at) == ("promised", "none", WAKES)
    why = [r for r in event.reasons if r["code"] == "promise_pending"][0]
    assert why["text"]["en"] == (
        "paused: the customer promised to pay by 2026-12-10; nothing escalates before the day after"
    )
    assert set(why["text"]) == {"en", "pl", "ru", "de"}
    case.refresh_from_db()
    assert (case.stage, case.next_check_at, case.step_index) == ("promised", WAKES, 2)
    # The last hour of the promised day (Warsaw) is still inside the promise.
    Case.objects.filter(pk=case.pk).update(next_check_at=WAKES - timedelta(minutes=1))
    advance_due_cases(WAKES - timedelta(minutes=1))
    assert Message.objects.count() == 1
    promise.refresh_from_db()
    assert promise.status == "pending"


def test_the_first_check_after_the_promised_day_breaks_it_and_escalation_resumes(acme, alice, promised):
    case, promise = promised
    assert advance_due_cases(WAKES) == 1
    promise.refresh_from_db()
    assert (promise.status, promise.resolved_at) == ("broken", WAKES)
    event = CaseEvent.objects.filter(case=case, kind="decision").latest("id")
    codes = [r["code"] for r in event.reasons]
    assert "promise_broken" in codes and codes.index("promise_broken") < codes.index("step_due")
    assert [r for r in event.reasons if r["code"] == "promise_broken"][0]["text"]["pl"] == (
        "obietnica zapłaty do 2026-12-10 nie została dotrzymana; windykacja zostaje wznowiona"
    )
    assert event.step_key == "reminder-2"
    assert list(Message.objects.order_by("id").values_list("step_key", flat=True)) == [
        "reminder-1",
        "reminder-2",
    ]
    # Broken once: the next check neither re-reads it nor records it again.
    Case.objects.filter(pk=case.pk).update(next_check_at=WAKES + timedelta(days=1))
    advance_due_cases(WAKES + timedelta(days=1))
    latest = CaseEvent.objects.filter(case=case, kind="decision").latest("id")
    assert "promise_broken" not in [r["code"] for r in latest.reasons]


def test_payments_that_cover_the_promised_amount_keep_it(acme, alice, promised):
    case, promise = promised
    _pay(acme, alice, 5_000, "p-1", NOW + timedelta(days=2))
    promise.refresh_from_db()
    assert promise.status == "pending"  # 50 of 60 PLN: not yet
    _pay(acme, alice, 1_000, "p-2", NOW + timedelta(days=3))
    promise.refresh_from_db()
    assert (promise.status, promise.resolved_at) == ("kept", NOW + timedelta(days=3))
    event = CaseEvent.objects.filter(case=case, kind="promise").latest("id")
    assert (
        event.reasons[0]["text"]["en"]
        == "promise kept: 60.00 PLN paid since the promise of 60.00 PLN by 2026-12-10"
    )
    case.refresh_from_db()
    assert case.is_open and case.next_check_at == NOW + timedelta(days=3)  # the engine looks again at once
    # Kept, the promise no longer holds the ladder back: the remaining 40 PLN are collected as usual.
    assert advance_due_cases(NOW + timedelta(days=3)) == 1
    assert Message.objects.filter(step_key="reminder-2").exists()


def test_a_payment_before_the_promise_does_not_count_towards_it(acme, alice, overdue, frozen_clock):
    overdue(alice, "inv-1", 10_000, date(2026, 11, 20))
    _pay(acme, alice, 3_000, "p-early", NOW - timedelta(days=1))
    case = Case.objects.get(customer=alice)
    promise = promise_make(case=case, amount=Money(5_000, "PLN"), promised_for=date(2026, 12, 10), at=NOW,
                           by_label="kasia")  # fmt: skip
    _pay(acme, alice, 4_000, "p-late", NOW)
    promise.refresh_from_db()
    assert promise.status == "pending"


def test_paying_everything_keeps_the_promise_and_closes_the_case(acme, alice, promised):
    case, promise = promised
    _pay(acme, alice, 10_000, "p-all", NOW + timedelta(days=1))
    promise.refresh_from_db()
    case.refresh_from_db()
    assert promise.status == "kept" and case.outcome == "paid" and not case.is_open
    assert [e.kind for e in CaseEvent.objects.filter(case=case).order_by("id")][-2:] == ["promise", "closed"]
