"""Webhook / messenger bridge: a signed JSON POST to the merchant's endpoint (WhatsApp, Telegram bridges).

Headers: `X-Settle-Timestamp`, `X-Settle-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">` with the
ChannelConfig secret, and `Idempotency-Key: <message code>` so the bridge can drop a repeat. Timeouts and 5xx
are transient (retried with backoff); other 4xx are permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

from settle.communications.channels.base import Channel, PermanentError, SendResult, TransientError
from settle.core import clock

TIMEOUT = (3, 10)  # connect, read


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


class WebhookChannel(Channel):
    kind = "webhook"
    contact_kind = "webhook"

    def open(self) -> None:
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def send(self, message, rendered, contact_point) -> SendResult:
        payload = {
            "type": "settle.message",
            "code": str(message.code),
            "template_key": message.template_key,
            "locale": message.locale,
            "customer": {"id": message.customer_id, "name": message.customer.name},
            "subject": rendered.subject,
            "text": rendered.text,
            "short_text": rendered.sms,
            "facts": message.context,
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-Settle-Timestamp": timestamp,
            "X-Settle-Signature": sign(self.secret, timestamp, body),
            "Idempotency-Key": str(message.code),
        }
        try:
            response = self.session.post(contact_point.value, data=body, headers=headers, timeout=TIMEOUT)
        except requests.Timeout as exc:
            raise TransientError(f"timeout: {exc}") from exc
        except requests.RequestException as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientError(f"endpoint answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"endpoint refused: {response.status_code}")
        return SendResult(provider_ref=response.headers.get("X-Request-Id", "")[:200],
                          detail=f"HTTP {response.status_code}")  # fmt: skip
