"""Email channel through anymail; merchant overrides at send time."""

from settle.communications.delivery import deliver_due
from settle.communications.services import channel_config_set

# --- email through an anymail backend, and merchant overrides at send time -----------------------------------


def test_anymail_backend_gets_the_code_as_metadata(alice, make_message, settings, frozen_clock):
    from django.core import mail

    settings.ANYMAIL = {"TEST_SEND_DEFAULTS": {}}
    channel_config_set(merchant=alice.merchant, kind="email",
                       settings={"backend": "anymail.backends.test.EmailBackend", "from_email": "billing@acme.example"})  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "sent"
    sent = mail.outbox[-1]
    assert sent.metadata == {"settle_code": str(message.code)}
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.from_email == "Acme Outdoor <billing@acme.example>"


def test_a_broken_override_is_refused_at_send_time_not_sent(alice, make_message, smtp_sink, frozen_clock):
    from settle.communications.models import MessageTemplate

    MessageTemplate.objects.create(merchant=alice.merchant, template_key="reminder_1", tone="gentle", locale="pl",
                                   subject="Hej", body="Hej <b>{{ name }}")  # written around the checks  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    assert (
        message.status == "failed"
        and message.status_reason == "render_failed: broken HTML: <b> is never closed"
    )
    assert smtp_sink.messages == []
