from datetime import time, timedelta
from email.header import decode_header, make_header

import pytest
from anymail.signals import AnymailTrackingEvent, tracking

from settle.communications.delivery import deliver_due
from settle.communications.models import Message
from settle.communications.optout import unsubscribe_url
from settle.customers.models import ContactPoint, ContactPreference


def test_rfc8058_one_click_post_unsubscribes_without_login(alice, make_message, client, frozen_clock):
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    path = unsubscribe_url(message).removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200  # a page with a button; a GET changes nothing
    assert not ContactPreference.objects.filter(customer=alice).exists()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    pref = ContactPreference.objects.get(customer=alice, channel="email")
    assert (pref.source, pref.opted_out_at, pref.note) == ("unsubscribe", now, "one-click")
    message.refresh_from_db()
    assert message.status == "cancelled"
    assert client.post(path[:-5] + "xxxx/", {"List-Unsubscribe": "One-Click"}).status_code == 400  # forged


def test_opted_out_final_notice_goes_by_post_and_says_why(alice, make_message, frozen_clock):
    now = frozen_clock.now()
    ContactPoint.objects.create(merchant=alice.merchant, customer=alice, kind="postal", value="ul. Długa 5")
    message = make_message(alice, at=now, template_key="final_notice", tone="final_notice")
    ContactPreference.objects.create(merchant=alice.merchant, customer=alice, channel="email", opted_out_at=now,
                                     source="portal")  # fmt: skip
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "cancelled"
    assert message.status_reason == (
        "opted_out: the customer opted out of email (portal, 2026-12-01); this notice is required by law in "
        "writing, so it goes by post"
    )
    letter = Message.objects.get(channel="letter")
    assert letter.idempotency_key == f"case-{message.case_id}-{message.step_key}-letter"
    # Queued in the same transaction and delivered in the same run.
    assert letter.status == "sent" and letter.letter.pdf.startswith(b"%PDF")


def test_preferred_hours_apply_to_the_very_next_delivery(alice, make_message, smtp_sink, frozen_clock):
    now = frozen_clock.now()  # 10:00 in Warsaw
    ContactPreference.objects.create(merchant=alice.merchant, customer=alice, channel="email", source="portal",
                                     preferred_from=time(18), preferred_until=time(20))  # fmt: skip
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason.startswith("preferred_hours")
    assert message.not_before.isoformat() == "2026-12-01T17:00:00+00:00"  # 18:00 Warsaw
    assert smtp_sink.messages == []
    frozen_clock.advance(timedelta(hours=8))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "sent" and len(smtp_sink.messages) == 1


def test_a_reply_lifts_the_daily_limit(alice, make_message, smtp_sink, frozen_clock, monkeypatch):
    from settle.communications import delivery
    from settle.communications.models import InboundMessage
    from settle.communications.recheck import Verdict

    # The merchant's one-a-day setting is under test here; the legal caps (policy) apply on top of it and are
    # tested with the policy itself.
    monkeypatch.setattr(delivery, "compliance_recheck", lambda **kwargs: Verdict(True))

    now = frozen_clock.now()
    make_message(alice, at=now)
    deliver_due(now)
    frozen_clock.advance(timedelta(hours=1))
    InboundMessage.objects.create(merchant=alice.merchant, customer=alice, channel="email", body="I'll pay Friday",
                                  received_at=frozen_clock.now())  # fmt: skip
    follow_up = make_message(alice, at=frozen_clock.now(), template_key="promise_reminder")
    follow_up.context.update({"promise_minor": 5000, "promise_date": "2026-12-04"})
    follow_up.save()
    deliver_due(frozen_clock.now())
    follow_up.refresh_from_db()
    assert follow_up.status == "sent" and len(smtp_sink.messages) == 2


def test_anymail_bounce_disables_the_address_and_touches_the_case(
    alice, make_message, smtp_sink, frozen_clock
):
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    deliver_due(now)
    event = AnymailTrackingEvent(event_type="bounced", message_id="esp-1", metadata={"settle_code": str(message.code)},
                                 description="550 mailbox unavailable")  # fmt: skip
    tracking.send(sender=object, event=event, esp_name="Postmark")
    message.refresh_from_db()
    point = alice.contact_points.get(kind="email")
    assert message.delivery_status == "bounced" and point.disabled_at == now
    assert "550 mailbox unavailable" in point.last_error


def test_missing_variable_at_send_time_is_recorded_never_half_sent(
    alice, make_message, smtp_sink, frozen_clock
):
    now = frozen_clock.now()
    message = make_message(alice, at=now, template_key="promise_reminder")  # facts lack the promise
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.status_reason == "render_failed: missing variable: promise_amount, promise_date"
    assert smtp_sink.messages == []


# --- pages ---------------------------------------------------------------------------------------------------


def test_templates_page_previews_and_saves_with_the_guard(acme, login_as):
    client = login_as(acme, "manager")
    page = client.get("/outreach/templates/?key=reminder_2&tone=gentle&locale=ru")
    assert page.status_code == 200
    assert "Можем ли мы помочь с оплатой?" in page.content.decode()
    preview = client.post("/outreach/templates/preview/", {"key": "reminder_1", "tone": "gentle", "locale": "en",
                          "subject": "Hi", "body": "Pay immediately, {{ name }}", "sms": ""})  # fmt: skip
    assert "creates false urgency" in preview.content.decode()
    saved = client.post("/outreach/templates/?key=reminder_1&tone=gentle&locale=en",
                        {"subject": "Hi {{ name }}", "body": "Hello {{ name }}, {{ balance }} is open.", "sms": ""})  # fmt: skip
    assert saved.status_code == 302
    viewer = login_as(acme, "viewer")
    assert (
        viewer.post("/outreach/templates/?key=reminder_1", {"subject": "x", "body": "y"}).status_code == 403
    )


def test_send_a_test_to_me_uses_the_real_path_and_counts_against_nothing(acme, alice, login_as, smtp_sink,
                                                                          frozen_clock):  # fmt: skip
    client = login_as(acme, "collector")
    response = client.post("/outreach/templates/test/", {"key": "plan_offer", "tone": "gentle", "locale": "pl",
                                                         "email": "me@acme.example"})  # fmt: skip
    assert response.status_code == 302
    test = Message.objects.get(is_test=True)
    assert test.status == "sent" and test.delivery_attempts.get().outcome == "sent"
    assert [m["To"] for m in smtp_sink.messages] == ["me@acme.example"]
    subject = str(make_header(decode_header(smtp_sink.messages[0]["Subject"])))
    assert subject == "Czy mniejsze raty byłyby pomocne?"
    assert not Message.objects.filter(customer=alice).exists()


def test_review_lists_unknown_messages_of_this_merchant_only(acme, umbrella, alice, make_message, login_as,
                                                             frozen_clock):  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    Message.objects.filter(pk=message.pk).update(
        status="unknown", handed_over_at=now, status_reason="unknown: …"
    )
    client = login_as(acme, "collector")
    assert alice.name in client.get("/outreach/review/").content.decode()
    other = login_as(umbrella, "collector")
    assert alice.name not in other.get("/outreach/review/").content.decode()
    assert other.post("/outreach/review/", {"message": message.pk, "action": "retry"}).status_code == 404
    assert client.post("/outreach/review/", {"message": message.pk, "action": "retry"}).status_code == 302
    message.refresh_from_db()
    assert message.status == "queued"


@pytest.mark.parametrize("role", ["viewer"])
def test_review_needs_a_collector(acme, login_as, role):
    assert login_as(acme, role).get("/outreach/review/").status_code == 403


@pytest.mark.parametrize("url", ["/outreach/templates/", "/outreach/templates/preview/", "/outreach/templates/test/",
                                 "/outreach/review/"])  # fmt: skip
def test_a_viewer_can_post_nothing(acme, login_as, url):
    assert (
        login_as(acme, "viewer").post(url, {"key": "reminder_1", "subject": "x", "body": "y"}).status_code
        == 403
    )
