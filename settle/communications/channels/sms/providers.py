"""SMS providers behind one small interface; Twilio is the shipped adapter (the official `twilio` SDK).

`TWILIO_BASE_URL` (settings) points the SDK at another host — a loopback fake Twilio in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from settle.communications.channels.base import PermanentError, TransientError

# Twilio error codes that retrying cannot fix (invalid/unreachable number, landline, the recipient sent STOP).
PERMANENT_CODES = {21211, 21214, 21217, 21407, 21408, 21610, 21612, 21614, 30003, 30005, 30006, 30007}


@dataclass(frozen=True)
class SmsSent:
    sid: str
    status: str


class SmsProvider(Protocol):
    def send(self, *, to: str, body: str, status_callback: str) -> SmsSent: ...


class TwilioProvider:
    def __init__(self, *, account_sid: str, auth_token: str, from_number: str = "",
                 messaging_service_sid: str = "", timeout: float = 10) -> None:  # fmt: skip
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        base = getattr(settings, "TWILIO_BASE_URL", "")

        class _Client(TwilioHttpClient):
            def request(self, method, url, *args, **kwargs):
                if base:
                    url = url.replace("https://api.twilio.com", base.rstrip("/"))
                return super().request(method, url, *args, **kwargs)

        self.client = Client(account_sid, auth_token, http_client=_Client(timeout=timeout))
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid

    def send(self, *, to: str, body: str, status_callback: str) -> SmsSent:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs = {"to": to, "body": body, "status_callback": status_callback}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                raise PermanentError(f"twilio {exc.status}/{exc.code}: {exc.msg}") from exc
            raise TransientError(f"twilio {exc.status}/{exc.code}: {exc.msg}") from exc
        except (TwilioException, OSError) as exc:
            raise TransientError(f"twilio: {exc}") from exc
        return SmsSent(sid=message.sid, status=message.status or "")


PROVIDERS = {"twilio": TwilioProvider}
