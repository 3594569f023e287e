"""Webhook channel: signed JSON, retries on 500 and timeouts."""

import hashlib
import hmac
import json
from datetime import timedelta

from settle.communications.delivery import deliver_due
from settle.communications.services import channel_config_set
from settle.customers.models import ContactPoint

# --- webhook -------------------------------------------------------------------------------------------------


def test_webhook_posts_signed_json_and_retries_500_and_timeouts(alice, make_message, http_fake, frozen_clock,
                                                                  monkeypatch):  # fmt: skip
    from settle.communications.channels.webhook import channel as webhook

    monkeypatch.setattr(webhook, "TIMEOUT", (2, 1.5))  # generous: the box is shared
    channel_config_set(merchant=alice.merchant, kind="webhook", settings={}, secret="whsec")
    point = ContactPoint.objects.create(merchant=alice.merchant, customer=alice, kind="webhook",
                                        value=f"{http_fake.url}/bridge")  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now, channel="webhook", contact_point=point)
    http_fake.answers.extend([(500, {}), ("hang", {}), (200, {})])
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason == "transient_error: endpoint answered 500"
    frozen_clock.advance(timedelta(minutes=1))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason.startswith("transient_error: timeout")
    frozen_clock.advance(timedelta(minutes=2))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 3
    assert list(message.delivery_attempts.values_list("outcome", flat=True)) == [
        "transient_error", "transient_error", "sent"]  # fmt: skip
    _path, headers, body = http_fake.requests[-1]
    expected = hmac.new(
        b"whsec", headers["X-Settle-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Settle-Signature"] == f"v1={expected}"
    assert headers["Idempotency-Key"] == str(message.code)
    payload = json.loads(body)
    assert payload["code"] == str(message.code) and payload["facts"]["balance_minor"] == 12950
