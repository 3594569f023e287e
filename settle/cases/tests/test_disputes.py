"""Disputes pause collection until a person resolves them: the engine decides nothing else, queued reminders
are cancelled at send time, an upheld dispute credits the customer, a rejected one resumes the ladder."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from settle.cases.disputes import dispute_open, dispute_resolve
from settle.cases.engine import advance_due_cases
from settle.cases.models import Case, CaseEvent, Dispute
from settle.communications.models import Message
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.worker.loop import run_once

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Warsaw


@pytest.fixture
def case(acme, alice, overdue, frozen_clock):
    overdue(alice, "inv-1", 10000, date(2026, 11, 20))
    overdue(alice, "inv-2", 2500, date(2026, 11, 25))
    advance_due_cases(NOW)  # decides the first reminder and queues it; not delivered yet
    return Case.objects.get(customer=alice)


def test_a_dispute_cancels_the_queued_reminder_and_the_engine_decides_nothing_else(case):
    queued = Message.objects.get(case=case)
    assert queued.status == "queued"
    dispute_open(case=case, reason_text="The tent arrived torn", by="Ola (collector)", source="customer")
    case.refresh_from_db()
    assert case.disputed_since == NOW and case.next_check_at == NOW
    run_once(NOW + timedelta(minutes=1))  # the tick, then the outbox
    queued.refresh_from_db()
    assert queued.status == "cancelled" and queued.status_reason.startswith("dispute_open")
    assert mail.outbox == []
    case.refresh_from_db()
    assert case.stage == "disputed" and Message.objects.filter(case=case).count() == 1
    last = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert "dispute_open" in [r["code"] for r in last.reasons]
    recorded = CaseEvent.objects.get(case=case, kind="dispute")
    assert "The tent arrived torn" in recorded.reasons[0]["text"]["en"]
    assert "wstrzymana" in recorded.reasons[0]["text"]["pl"]
    # A week later: still nothing, whatever the strategy says.
    run_once(NOW + timedelta(days=8))
    assert Message.objects.filter(case=case).exclude(status="cancelled").count() == 0


def test_a_rejected_dispute_resumes_the_strategy(case):
    dispute = dispute_open(case=case, reason_text="Never ordered", by="api")
    advance_due_cases(NOW + timedelta(minutes=1))
    later = NOW + timedelta(days=2)
    dispute_resolve(dispute=dispute, outcome="rejected", by="Manager", note="delivery confirmed", at=later)
    case.refresh_from_db()
    assert case.disputed_since is None and case.next_check_at == later
    advance_due_cases(later)
    case.refresh_from_db()
    assert case.stage != "disputed"
    assert (
        CaseEvent.objects.filter(case=case, kind="dispute_resolved").get().reasons[0]["code"]
        == "dispute_rejected"
    )


def test_an_upheld_dispute_credits_the_receivable_and_a_full_credit_closes_the_case(case, alice):
    inv1 = alice.receivables.get(external_id="inv-1")
    inv2 = alice.receivables.get(external_id="inv-2")
    partial = dispute_open(case=case, reason_text="One item missing", by="api", receivable=inv1)
    dispute_resolve(dispute=partial, outcome="upheld", by="Manager", credit=Money(4000, "PLN"), note="item 2")
    inv1.refresh_from_db()
    assert inv1.balance_minor == 6000 and Dispute.objects.get(pk=partial.pk).credited_minor == 4000
    case.refresh_from_db()
    assert case.is_open and case.disputed_since is None
    whole = dispute_open(case=case, reason_text="Returned", by="api", receivable=inv2)
    other = dispute_open(case=case, reason_text="Wrong price", by="api", receivable=inv1)
    dispute_resolve(dispute=whole, outcome="upheld", by="Manager")  # no amount: all inv-2 owes
    case.refresh_from_db()
    assert case.disputed_since is not None  # another dispute is still open: still paused
    dispute_resolve(dispute=other, outcome="upheld", by="Manager")
    case.refresh_from_db()
    assert not case.is_open and case.disputed_since is None


def test_bad_disputes_are_refused_naming_the_field_and_write_nothing(case, bogdan, overdue, acme):
    foreign = overdue(bogdan, "inv-b", 500, date(2026, 11, 20))
    for kwargs, field in [
        ({"reason_text": "  "}, "reason"),
        ({"reason_text": "x", "source": "robot"}, "source"),
        ({"reason_text": "x", "receivable": foreign}, "receivable_id"),
    ]:
        with pytest.raises(FieldError) as exc:
            dispute_open(case=case, by="api", **kwargs)
        assert exc.value.field == field
    assert not Dispute.objects.exists()
    dispute = dispute_open(case=case, reason_text="x", by="api")
    with pytest.raises(FieldError, match="outcome"):
        dispute_resolve(dispute=dispute, outcome="maybe", by="m")
    with pytest.raises(FieldError, match="receivable_id"):
        dispute_resolve(dispute=dispute, outcome="upheld", by="m", credit=Money(100, "PLN"))  # which one?
    dispute_resolve(dispute=dispute, outcome="rejected", by="m")
    with pytest.raises(FieldError, match="already rejected"):
        dispute_resolve(dispute=dispute, outcome="upheld", by="m")


def test_disputes_over_the_api_respect_roles_and_show_on_the_case(case, acme, api_as):
    body = {"reason": "Damaged on arrival", "source": "customer"}
    assert api_as(acme, "viewer").post(f"/api/v1/cases/{case.pk}/disputes", body,
                                       content_type="application/json").status_code == 403  # fmt: skip
    created = api_as(acme, "collector").post(f"/api/v1/cases/{case.pk}/disputes", body,
                                             content_type="application/json")  # fmt: skip
    assert created.status_code == 201 and created.json()["status"] == "open"
    dispute_id = created.json()["id"]
    url = f"/api/v1/cases/{case.pk}/disputes/{dispute_id}/resolve"
    assert api_as(acme, "collector").post(url, {"outcome": "rejected"},
                                          content_type="application/json").status_code == 403  # fmt: skip
    bad = api_as(acme).post(url, {"outcome": "later"}, content_type="application/json")
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    resolved = api_as(acme).post(url, {"outcome": "rejected", "note": "photos show no damage"},
                                 content_type="application/json")  # fmt: skip
    assert resolved.status_code == 200 and resolved.json()["status"] == "rejected"
    detail = api_as(acme, "viewer").get(f"/api/v1/cases/{case.pk}").json()
    assert detail["disputes"][0]["resolution_note"] == "photos show no damage"
    assert detail["disputed_since"] is None


def test_disputes_from_the_case_page(case, acme, alice, login_as):
    collector = login_as(acme, "collector")
    page = collector.get(f"/cases/{case.pk}/").content.decode()
    assert "Record the dispute" in page
    assert collector.post(f"/cases/{case.pk}/disputes/", {"reason": ""}).status_code == 200  # error shown
    assert not Dispute.objects.exists()
    inv1 = alice.receivables.get(external_id="inv-1")
    answer = collector.post(f"/cases/{case.pk}/disputes/", {"reason": "Wrong size", "source": "customer",
                                                            "receivable": inv1.pk})  # fmt: skip
    assert answer.status_code == 302
    dispute = Dispute.objects.get()
    url = f"/cases/{case.pk}/disputes/{dispute.pk}/resolve/"
    assert collector.post(url, {"outcome": "rejected"}).status_code == 403
    manager = login_as(acme, "manager")
    assert (
        "credit: must be an amount in PLN"
        in manager.post(url, {"outcome": "upheld", "credit": "ten"}).content.decode()
    )
    assert Dispute.objects.get().status == "open"  # the bad amount was refused
    assert manager.post(url, {"outcome": "upheld", "credit": "15.00", "note": "size swap"}).status_code == 302
    assert Dispute.objects.get().credited_minor == 1500
    inv1.refresh_from_db()
    assert inv1.balance_minor == 8500
