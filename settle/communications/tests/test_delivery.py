from datetime import timedelta

from settle.communications.delivery import PAID_REASON, claim, deliver_due, recover_expired
from settle.communications.models import DeliveryAttempt, Message
from settle.core.money import Money
from settle.ledger.services import payment_record


def test_due_message_is_sent_once_with_headers_and_recorded(alice, make_message, smtp_sink, frozen_clock):
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    later = make_message(alice, at=now + timedelta(hours=1))

    assert deliver_due(now) == 1
    assert deliver_due(now) == 0  # nothing due twice

    message.refresh_from_db(), later.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, now)
    assert later.status == "queued"
    assert list(smtp_sink.ids().values()) == [1]
    mail = smtp_sink.messages[0]
    assert mail["Message-ID"] == f"<{message.code}@settle.invalid>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/outreach/unsubscribe/")
    assert mail["To"] == "alicja@example.pl"
    text = mail.get_payload()[0].get_payload(decode=True).decode()
    assert "129,50\xa0zł" in text and f"/pay/{message.code}/" in text and "14 listopada 2026" in text
    assert list(DeliveryAttempt.objects.values_list("outcome", flat=True)) == ["sent"]


def test_paid_since_decision_is_cancelled_with_reason(alice, make_message, smtp_sink, frozen_clock):
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    # Pay without the ledger hook's cancellation to prove the send-time check itself: claim first.
    assert claim(now) == [message.pk]
    payment_record(merchant=alice.merchant, customer=alice, amount=Money(12950, "PLN"), external_id="p-1")
    from settle.communications.delivery import deliver_batch

    deliver_batch([message.pk], now)
    message.refresh_from_db()
    assert (message.status, message.status_reason) == ("cancelled", PAID_REASON)
    assert smtp_sink.messages == []


def test_bounced_address_disables_point_and_touches_case(alice, make_message, smtp_sink, frozen_clock):
    now = frozen_clock.now()
    smtp_sink.refuse.add("alicja@example.pl")
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    point = alice.contact_points.get(kind="email")
    assert message.status == "failed" and message.status_reason.startswith(
        "permanent_error: address refused: 550"
    )
    assert point.disabled_at == now and "550" in point.last_error
    message.case.refresh_from_db()
    assert message.case.next_check_at == now  # the engine picks another channel at once
    assert smtp_sink.messages == []


def test_smtp_down_is_transient_with_backoff(alice, make_message, settings, frozen_clock):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    assert message.not_before == now + timedelta(minutes=1)
    assert message.status_reason.startswith("transient_error: ConnectionRefusedError")


def test_expired_lease_never_handed_over_is_requeued_else_unknown(alice, make_message, frozen_clock):
    now = frozen_clock.now()
    a, b = make_message(alice, at=now), make_message(alice, at=now)
    assert claim(now) == [a.pk, b.pk]
    Message.objects.filter(pk=b.pk).update(handed_over_at=now)  # the worker died mid-send of b
    assert recover_expired(now + timedelta(minutes=4)) == 0  # lease still held
    assert recover_expired(now + timedelta(minutes=6)) == 2
    a.refresh_from_db(), b.refresh_from_db()
    assert a.status == "queued"
    assert b.status == "unknown" and "review" in b.status_reason


def test_one_message_per_customer_per_day(alice, make_message, smtp_sink, frozen_clock):
    now = frozen_clock.now()
    first = make_message(alice, at=now)
    second = make_message(alice, at=now, channel="portal")
    deliver_due(now)
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == "sent"
    assert second.status == "queued" and second.status_reason.startswith("daily_limit")
    assert second.not_before.isoformat() == "2026-12-02T08:00:00+00:00"  # 09:00 in Warsaw


def test_the_engines_context_shape_renders_and_a_final_notice_gets_a_fixed_deadline(
    alice, make_message, smtp_sink, frozen_clock
):
    now = frozen_clock.now()
    message = make_message(alice, at=now, template_key="final_notice", tone="final_notice")
    message.context = {  # exactly what settle.cases.engine writes
        "case_id": message.case_id, "currency": "PLN", "balance_minor": 12950, "oldest_due_date": "2026-11-14",
        "receivables": [{"id": 1, "number": "#1042", "amount_minor": 12950, "balance_minor": 12950,
                         "due_date": "2026-11-14"}],
    }  # fmt: skip
    message.save()
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "sent", message.status_reason
    text = smtp_sink.messages[0].get_payload()[0].get_payload(decode=True).decode()
    assert "- #1042  14 listopada 2026  129,50\xa0zł" in text
    assert "do 15 grudnia 2026" in text  # not_before (1 Dec) + 14 days
