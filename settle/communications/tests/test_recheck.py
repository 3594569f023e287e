from datetime import timedelta

import pytest

from settle.communications.delivery import deliver_due
from settle.communications.models import OutreachSettings
from settle.worker.registry import worker_jobs


def test_delivery_is_a_worker_job_after_the_engine_tick():
    jobs = worker_jobs()
    assert "settle.communications.delivery.deliver_due" in jobs


def test_a_disputed_case_cancels_the_reminder_with_the_reason(alice, make_message, smtp_sink, frozen_clock):
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    message.case.stage = "disputed"
    message.case.save()
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "cancelled" and message.status_reason.startswith("dispute_open")
    assert smtp_sink.messages == []


def test_the_daily_limit_is_a_merchant_setting(alice, make_message, smtp_sink, frozen_clock):
    OutreachSettings.objects.create(merchant=alice.merchant, one_message_per_day=False)
    now = frozen_clock.now()
    make_message(alice, at=now)
    make_message(alice, at=now, template_key="plan_offer")
    deliver_due(now)
    assert len(smtp_sink.messages) == 2


def test_the_policy_check_runs_at_send_time_and_defers_to_the_lawful_moment(
    alice, make_message, smtp_sink, frozen_clock
):
    compliance = pytest.importorskip("settle.policy.compliance")
    now = frozen_clock.now().replace(hour=21, minute=30)  # 22:30 in Warsaw: outside any contact hours
    frozen_clock.advance(now - frozen_clock.now())
    message = make_message(alice, at=now)
    expected = compliance.send_time_check(
        jurisdiction=compliance.jurisdiction_for("PL"), debtor_kind="consumer", timezone="Europe/Warsaw",
        channel="email", at=now,
    )  # fmt: skip
    assert not expected.allowed  # the policy itself says no at this hour
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.not_before == expected.not_before
    assert message.status_reason.startswith(expected.reasons[0].code)
    assert smtp_sink.messages == []
    frozen_clock.advance(expected.not_before - now + timedelta(seconds=1))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_paused_case_holds_its_messages_until_the_pause_ends(alice, make_message, smtp_sink, frozen_clock):
    from settle.cases.models import Case

    if not hasattr(Case, "paused_until"):
        pytest.skip("case pauses arrive with the engine branch")
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    Case.objects.filter(pk=message.case_id).update(
        paused_until=now + timedelta(days=3), pause_reason="promise"
    )
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason == "case_paused: promise"
    assert message.not_before == now + timedelta(days=3)
    Case.objects.filter(pk=message.case_id).update(pause_reason="dispute")
    frozen_clock.advance(timedelta(days=1))
    message.refresh_from_db()
    Message = type(message)
    Message.objects.filter(pk=message.pk).update(not_before=frozen_clock.now())
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "cancelled" and message.status_reason.startswith("dispute_open")
