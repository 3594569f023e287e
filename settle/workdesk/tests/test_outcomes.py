"""task_complete on the real database: every outcome, what it does to the case, and what it refuses."""

from datetime import UTC, date, datetime, timedelta

import pytest

from settle.cases.models import CaseEvent, Promise
from settle.communications.models import Message
from settle.core import clock
from settle.core.money import Money
from settle.customers.models import ContactPoint
from settle.customers.validation import Conflict, FieldError
from settle.integrations.models import WriteBack
from settle.webhooks_out.models import Delivery
from settle.workdesk.models import Task
from settle.workdesk.services import HandoffNotLawful, task_complete

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _event(case, kind):
    return CaseEvent.objects.filter(case=case, kind=kind).latest("id")


@pytest.mark.parametrize(
    ("outcome", "code", "sentence"),
    [
        ("reached", "outcome_reached", "kasia reached the customer (call task)"),
        ("no_answer", "outcome_no_answer", "kasia tried to reach the customer: no answer (call task)"),
        ("done", "outcome_done", "kasia completed the call task"),
    ],
)
def test_a_call_outcome_closes_the_task_and_explains_itself_on_the_timeline(
    alice, owing, task_on, collector, outcome, code, sentence
):
    case = owing(alice)
    task = task_on(case)
    done = task_complete(task=task, outcome=outcome, note="spoke at 10:05", by=collector)
    assert (done.status, done.outcome, done.outcome_note, done.closed_at) == (
        "done",
        outcome,
        "spoke at 10:05",
        NOW,
    )
    assert (done.completed_by, done.completed_by_label) == (collector, "kasia")
    event = _event(case, "task")
    assert (event.action, event.step_key, event.at) == (outcome, "call-1", NOW)
    assert [r["code"] for r in event.reasons] == [code, "collector_note"]
    assert event.reasons[0]["text"]["en"] == sentence
    assert set(event.reasons[0]["text"]) == {"en", "pl", "ru", "de"}
    assert event.reasons[1]["text"]["pl"] == "notatka: spoke at 10:05"
    with pytest.raises(Conflict, match="already done"):
        task_complete(task=task, outcome="reached", by=collector)


def test_wrong_number_disables_the_phone_so_the_ladder_uses_another_channel(alice, owing, task_on, collector):
    case = owing(alice)
    task_complete(task=task_on(case), outcome="wrong_number", by=collector)
    phone = ContactPoint.objects.get(customer=alice, kind="phone")
    assert phone.disabled_at == NOW and "wrong number" in phone.last_error
    assert ContactPoint.objects.get(customer=alice, kind="email").disabled_at is None
    assert (
        _event(case, "task")
        .reasons[0]["text"]["en"]
        .endswith(f"the phone {phone.value} is disabled so the ladder uses another channel")
    )


def test_a_dispute_opens_a_dispute_that_pauses_collection_until_a_manager_resolves_it(
    alice, owing, task_on, collector
):
    from settle.cases.models import Dispute

    case = owing(alice)
    task = task_on(case)
    with pytest.raises(FieldError, match="say what the customer disputes") as caught:
        task_complete(task=task, outcome="dispute", by=collector)
    assert caught.value.field == "note" and not Dispute.objects.exists()
    Message.objects.create(merchant_id=case.merchant_id, case=case, customer=alice, channel="email",
                           template_key="reminder_2", idempotency_key="queued-1", not_before=NOW)  # fmt: skip
    task_complete(task=task, outcome="dispute", note="says the tent never arrived", by=collector)
    dispute = Dispute.objects.get(case=case)
    assert (dispute.status, dispute.reason, dispute.source, dispute.opened_by) == (
        "open", "says the tent never arrived", "collector", "kasia")  # fmt: skip
    case.refresh_from_db()
    assert case.disputed_since == NOW
    event = _event(case, "dispute")  # the dispute's own event; the task adds no second one
    assert (
        event.reasons[0]["code"] == "dispute_recorded" and not CaseEvent.objects.filter(kind="task").exists()
    )
    assert Task.objects.get(pk=task.pk).outcome == "dispute"
    # The outbox re-checks at send time: a disputed case's queued reminder is cancelled, not sent.
    from settle.communications.delivery import BatchFacts, recheck

    message = Message.objects.select_related("case", "customer").get(idempotency_key="queued-1")
    verdict = recheck(message, BatchFacts(balances={(alice.pk, "PLN"): 10_000}), NOW, set())
    assert verdict.action == "cancel" and verdict.reason.startswith("dispute_open")


def test_a_promise_pauses_the_case_until_the_day_after_and_emits_promise_made(
    acme, alice, owing, task_on, collector, endpoint
):
    case = owing(alice)
    task = task_on(case)
    task_complete(task=task, outcome="promise", by=collector, note="pays after payday",
                  promise_amount=Money(6_000, "PLN"), promised_for=date(2026, 12, 10))  # fmt: skip
    promise = Promise.objects.get(case=case)
    assert (promise.amount_minor, promise.currency, promise.promised_for, promise.status) == (
        6_000, "PLN", date(2026, 12, 10), "pending")  # fmt: skip
    assert (promise.created_by, promise.created_by_label, promise.created_at) == (collector, "kasia", NOW)
    case.refresh_from_db()
    # The day after the promised day begins at midnight in Warsaw (23:00 UTC the day before).
    assert case.next_check_at == datetime(2026, 12, 10, 23, 0, tzinfo=UTC) and case.stage == "promised"
    event = _event(case, "promise")
    assert [r["code"] for r in event.reasons] == ["promise_made", "promise_pending", "collector_note"]
    assert event.reasons[0]["text"]["en"] == "kasia recorded a promise to pay 60.00 PLN by 2026-12-10"
    assert event.scheduled["source_ref"] == f"task:{task.pk}"
    assert Task.objects.get(pk=task.pk).outcome == "promise"
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.event_type, delivery.event_key) == ("promise.made", f"promise.made:{promise.pk}")
    assert delivery.payload["data"] == {
        "promise_id": promise.pk, "case_id": case.pk, "customer_id": alice.pk, "amount_minor": 6_000,
        "currency": "PLN", "promised_for": "2026-12-10", "created_at": NOW.isoformat(), "created_by": "kasia",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "day", "field", "message"),
    [
        (None, date(2026, 12, 10), "promise_amount", "required"),
        (6_000, None, "promised_for", "required"),
        (6_000, date(2026, 11, 30), "promised_for", "past"),
        (6_000, date(2027, 1, 15), "promised_for", "installment plan"),
        (10_001, date(2026, 12, 10), "promise_amount", "more than the open balance"),
    ],
)
def test_a_promise_that_cannot_be_kept_or_checked_is_refused_naming_the_field(
    alice, owing, task_on, collector, amount, day, field, message
):
    case = owing(alice)
    task = task_on(case)
    with pytest.raises(FieldError, match=message) as caught:
        task_complete(task=task, outcome="promise", by=collector, promised_for=day,
                      promise_amount=Money(amount, "PLN") if amount else None)  # fmt: skip
    assert caught.value.field == field
    assert not Promise.objects.exists() and Task.objects.get(pk=task.pk).status == "open"


def test_one_pending_promise_per_case(alice, owing, task_on, collector):
    case = owing(alice)
    task_complete(task=task_on(case), outcome="promise", by=collector, promise_amount=Money(1_000, "PLN"),
                  promised_for=date(2026, 12, 5))  # fmt: skip
    second = task_on(case, step_key="call-2")
    with pytest.raises(Conflict, match="still pending"):
        task_complete(task=second, outcome="promise", by=collector, promise_amount=Money(1_000, "PLN"),
                      promised_for=date(2026, 12, 8))  # fmt: skip
    assert Promise.objects.count() == 1 and Task.objects.get(pk=second.pk).status == "open"


def test_a_handoff_task_takes_only_approve_or_decline_and_a_call_never_approves(
    alice, owing, task_on, collector
):
    case = owing(alice)
    with pytest.raises(
        FieldError, match="agency_handoff task takes one of handoff_approved, handoff_declined"
    ):
        task_complete(
            task=task_on(case, kind="agency_handoff", step_key="agency"), outcome="reached", by=collector
        )
    with pytest.raises(FieldError, match="call task takes one of"):
        task_complete(task=task_on(case), outcome="handoff_approved", by=collector)


def _final_notice(case, sent_at):
    return Message.objects.create(
        merchant_id=case.merchant_id, case=case, customer_id=case.customer_id, channel="letter",
        template_key="final_notice", step_key="final", idempotency_key=f"fn-{case.pk}-{int(sent_at.timestamp())}",
        not_before=sent_at, status="sent", sent_at=sent_at,
    )  # fmt: skip


def _shop(acme, cancel: bool):
    from settle.integrations.services import connection_create

    return connection_create(merchant=acme, source="shopify", account="acme-shop",
                             secrets={"webhook_secret": "s", "access_token": "shpat_x"},
                             settings={"cancel_on_final_step": cancel, "restock_on_cancel": True})  # fmt: skip


def test_approving_a_handoff_before_the_lawful_moment_is_refused_with_the_rule(
    acme, alice, owing, task_on, manager_user, endpoint
):
    case = owing(alice, source="shopify")
    task = task_on(case, kind="agency_handoff", step_key="agency")
    with pytest.raises(HandoffNotLawful, match=r"final notice must precede this by 30 days \[PL: "):
        task_complete(task=task, outcome="handoff_approved", by=manager_user)  # no final notice at all
    _final_notice(case, NOW - timedelta(days=29))
    with pytest.raises(HandoffNotLawful) as caught:
        task_complete(task=task, outcome="handoff_approved", by=manager_user)
    assert caught.value.field == "outcome"
    # A final notice still queued (not sent) does not count either.
    Message.objects.update(status="queued", sent_at=None, not_before=NOW - timedelta(days=40))
    with pytest.raises(HandoffNotLawful):
        task_complete(task=task, outcome="handoff_approved", by=manager_user)
    case.refresh_from_db()
    assert case.outcome == "" and Task.objects.get(pk=task.pk).status == "open"
    assert not Delivery.objects.exists() and not WriteBack.objects.exists()
    assert not CaseEvent.objects.filter(case=case, kind="handoff").exists()


@pytest.mark.parametrize("cancel", [True, False])
def test_an_approved_handoff_is_recorded_emits_handoff_created_and_cancels_orders_only_when_chosen(
    acme, alice, owing, task_on, manager_user, endpoint, cancel
):
    _shop(acme, cancel)
    case = owing(alice, source="shopify")
    owing(alice, minor=2_500, source="api")  # not a shop order: never cancelled at a shop
    notice_at = NOW - timedelta(days=31)
    _final_notice(case, notice_at)
    task = task_on(case, kind="agency_handoff", step_key="agency")
    task_complete(task=task, outcome="handoff_approved", by=manager_user, note="balance over 100 PLN")
    case.refresh_from_db()
    assert (case.stage, case.outcome, case.closed_at) == ("agency", "agency", None)
    event = _event(case, "handoff")
    codes = [r["code"] for r in event.reasons]
    assert codes[0] == "handoff_approved" and codes[-1] == "collector_note"
    assert event.reasons[0]["text"]["en"] == (
        "boss approved the handoff to the collection agency (final notice on 2026-10-31, 30 days of warning)"
    )
    writebacks = list(WriteBack.objects.values_list("action", "external_id", "payload"))
    assert writebacks == ([("cancel", "order-1", {"restock": True})] if cancel else [])
    assert ("order_cancel_queued" in codes) is cancel
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.event_type, delivery.event_key) == ("handoff.created", f"handoff.created:{case.pk}")
    data = delivery.payload["data"]
    assert (data["case_id"], data["balance_minor"], data["jurisdiction"], data["approved_by"]) == (
        case.pk, 12_500, "PL", "boss")  # fmt: skip
    assert data["final_notice_at"] == notice_at.isoformat()
    assert [r["number"] for r in data["receivables"]] == ["#1001", "#1002"]
    assert data["orders_cancelled"] == ([data["receivables"][0]["id"]] if cancel else [])


def test_declining_a_handoff_needs_a_reason_and_leaves_the_case_with_the_collector(
    alice, owing, task_on, manager_user, endpoint
):
    case = owing(alice)
    task = task_on(case, kind="agency_handoff", step_key="agency")
    with pytest.raises(FieldError, match="say why") as caught:
        task_complete(task=task, outcome="handoff_declined", by=manager_user)
    assert caught.value.field == "note"
    task_complete(
        task=task, outcome="handoff_declined", note="long-standing customer, will call", by=manager_user
    )
    case.refresh_from_db()
    assert (case.stage, case.outcome, case.closed_at) == ("with_collector", "", None)
    event = _event(case, "handoff")
    assert [r["code"] for r in event.reasons] == ["handoff_declined", "collector_note"]
    assert event.reasons[0]["text"]["de"].startswith("boss hat die Übergabe an das Inkassobüro abgelehnt")
    assert not Delivery.objects.exists()


@pytest.fixture
def manager_user(acme):
    from settle.merchants.services import user_create_with_membership

    return user_create_with_membership(merchant=acme, username="boss", password="x-Settle-test-1",
                                       role="manager")  # fmt: skip


def test_an_api_key_is_named_as_the_actor(acme, alice, owing, task_on):
    from settle.merchants.services import api_key_create

    key, _token = api_key_create(merchant=acme, name="crm sync", role="collector")
    task = task_complete(task=task_on(owing(alice)), outcome="reached", by=key)
    assert (task.completed_by, task.completed_by_label) == (None, "API key crm sync")
    assert clock.now() == NOW
