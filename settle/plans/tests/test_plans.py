"""Installment plans: agreed for what the case owes, escalation waits while they are kept, a missed installment
past its grace breaks the plan and the strategy resumes in the same worker iteration."""

from datetime import UTC, date, datetime, timedelta

import pytest

from settle.cases.models import Case, CaseEvent
from settle.communications.models import Message
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.ledger.services import payment_record, receivable_create
from settle.plans.models import Plan
from settle.plans.services import owed_minor, plan_cancel, plan_create, plans_check, schedule_even
from settle.webhooks_out.models import Delivery
from settle.webhooks_out.services import endpoint_create
from settle.worker.loop import run_once

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Warsaw


@pytest.fixture
def case(acme, alice, frozen_clock):
    for ext, minor, due in (("inv-1", 10000, date(2026, 11, 20)), ("inv-2", 2500, date(2026, 11, 25))):
        receivable_create(
            merchant=acme, customer=alice, external_id=ext, amount=Money(minor, "PLN"), due_date=due
        )
    return Case.objects.get(customer=alice)


def _even(case, count=3, first=date(2026, 12, 10), every=30):
    return schedule_even(total=Money(owed_minor(case), "PLN"), count=count, first_due=first, every_days=every)


def test_an_even_schedule_never_loses_a_grosz():
    parts = schedule_even(total=Money(10001, "PLN"), count=3, first_due=date(2026, 12, 10), every_days=30)
    assert [(d.isoformat(), m.minor) for d, m in parts] == [
        ("2026-12-10", 3334), ("2027-01-09", 3334), ("2027-02-08", 3333)]  # fmt: skip


def test_a_kept_plan_pauses_escalation_and_emits_plan_created(case, acme):
    endpoint_create(merchant=acme, url="https://merchant.example/hooks", events=["plan.created"])
    plan = plan_create(case=case, schedule=_even(case), by="Ola", source="customer")
    assert plan.total_minor == 12500 and plan.installments.count() == 3
    case.refresh_from_db()
    deadline = datetime(2026, 12, 14, 0, 0, tzinfo=UTC) - timedelta(hours=1)  # 14 Dec 00:00 in Warsaw (CET)
    assert case.paused_until == deadline == plan.next_check_at
    delivery = Delivery.objects.get(event_type="plan.created")
    assert delivery.payload["data"]["installments"][2] == {
        "number": 3,
        "due_date": "2027-02-08",
        "amount_minor": 4166,
    }
    run_once(NOW)
    assert not Message.objects.filter(case=case).exists()  # paused: the first reminder waits
    case.refresh_from_db()
    assert case.stage == "paused"
    # The first installment is paid on time: at its deadline the pause moves to the second one.
    payment_record(merchant=acme, customer=case.customer, amount=Money(4167, "PLN"), external_id="p-1")
    assert plans_check(deadline) == 1
    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == "active" and case.paused_until == datetime(2027, 1, 12, 23, 0, tzinfo=UTC)
    assert "installment 2 due 2027-01-09" in case.pause_reason


def test_a_missed_installment_breaks_the_plan_and_the_strategy_resumes_in_the_same_iteration(case, alice):
    plan = plan_create(case=case, schedule=_even(case), by="Ola")
    run_once(NOW)
    deadline = plan.next_check_at
    run_once(deadline)  # plans (25) break it, then the engine (30) decides the case again
    plan.refresh_from_db()
    assert plan.status == "broken" and "installment 1 unpaid" in plan.ended_note
    case.refresh_from_db()
    assert case.paused_until is None and case.stage != "paused"
    assert Message.objects.filter(case=case).exists()  # the ladder resumed
    broken = CaseEvent.objects.get(case=case, kind="plan_broken")
    assert (
        "installment 1" in broken.reasons[0]["text"]["en"] and "karencji" in broken.reasons[0]["text"]["pl"]
    )


def test_paying_everything_completes_the_plan(case, acme):
    plan = plan_create(case=case, schedule=_even(case, count=2), by="Ola")
    payment_record(merchant=acme, customer=case.customer, amount=Money(12500, "PLN"), external_id="p-all")
    plans_check(plan.next_check_at)
    plan.refresh_from_db()
    assert plan.status == "completed"


def test_bad_plans_are_refused_naming_the_field(case, acme):
    with pytest.raises(FieldError, match="must add up to what the case owes now"):
        plan_create(case=case, schedule=[(date(2026, 12, 10), Money(100, "PLN")), (date(2027, 1, 10), Money(100, "PLN"))],
                    by="x")  # fmt: skip
    with pytest.raises(FieldError) as exc:
        plan_create(case=case, schedule=_even(case, first=date(2026, 11, 1)), by="x")
    assert exc.value.field == "installments[0].due_date"
    with pytest.raises(FieldError) as exc:
        plan_create(case=case, schedule=[(date(2027, 1, 10), Money(6250, "PLN")), (date(2026, 12, 10), Money(6250, "PLN"))],
                    by="x")  # fmt: skip
    assert exc.value.field == "installments[1].due_date"
    with pytest.raises(FieldError, match="count"):
        _even(case, count=1)
    assert not Plan.objects.exists()
    plan = plan_create(case=case, schedule=_even(case), by="x")
    with pytest.raises(FieldError, match="already has an active plan"):
        plan_create(case=case, schedule=_even(case), by="x")
    plan_cancel(plan=plan, by="Manager", note="customer asked for another schedule")
    case.refresh_from_db()
    assert case.paused_until is None and Plan.objects.get().status == "cancelled"


def test_plans_over_the_api_and_the_page(case, acme, api_as, login_as):
    url = f"/api/v1/cases/{case.pk}/plans"
    body = {"count": 2, "first_due_date": "2026-12-15", "every_days": 14}
    assert api_as(acme, "viewer").post(url, body, content_type="application/json").status_code == 403
    bad = api_as(acme, "collector").post(url, {"count": 2}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "installments"
    created = api_as(acme, "collector").post(url, body, content_type="application/json")
    assert created.status_code == 201 and [i["amount_minor"] for i in created.json()["installments"]] == [
        6250,
        6250,
    ]
    plan_id = created.json()["id"]
    cancel = f"{url}/{plan_id}/cancel"
    assert api_as(acme, "collector").post(cancel, {}, content_type="application/json").status_code == 403
    assert (
        api_as(acme).post(cancel, {"note": "x"}, content_type="application/json").json()["status"]
        == "cancelled"
    )
    collector = login_as(acme, "collector")
    page = collector.get(f"/cases/{case.pk}/plans/")
    assert page.status_code == 200 and str(Money(12500, "PLN")) in page.content.decode()
    refused = collector.post(f"/cases/{case.pk}/plans/", {"count": "x", "first_due": "2026-12-15", "every_days": "30",
                                                          "grace_days": "3"})  # fmt: skip
    assert "count: must be a whole number" in refused.content.decode()
    agreed = collector.post(f"/cases/{case.pk}/plans/", {"count": "4", "first_due": "2026-12-15", "every_days": "30",
                                                         "grace_days": "5", "source": "customer"})  # fmt: skip
    assert agreed.status_code == 302
    plan = Plan.objects.get(status="active")
    assert plan.installments.count() == 4 and plan.grace_days == 5 and plan.source == "customer"
    assert collector.post(f"/cases/{case.pk}/plans/{plan.pk}/cancel/").status_code == 403
