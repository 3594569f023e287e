"""SMS through a provider (Twilio by default). Landlines are refused before any provider call.

Config (ChannelConfig kind "sms"): settings {"provider": "twilio", "account_sid", "from_number" or
"messaging_service_sid"}, secret = the auth token. Status callbacks come back to
/outreach/sms/status/<message code>/ and are verified with Twilio's RequestValidator.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings

from settle.communications.channels.base import Channel, PermanentError, SendResult, TransientError
from settle.communications.channels.sms.providers import PROVIDERS
from settle.communications.channels.sms.segments import count_segments

MAX_SEGMENTS = 4  # longer texts cost too much and arrive garbled on old phones: refuse, record why


def is_landline(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE


class SmsChannel(Channel):
    kind = "sms"
    contact_kind = "phone"
    config_fields = {
        "provider": "SMS provider (twilio)", "account_sid": "Twilio account SID",
        "from_number": "Sender number (E.164)", "messaging_service_sid": "Twilio messaging service SID",
    }  # fmt: skip

    def open(self) -> None:
        self.provider = None

    def _provider(self):
        if self.provider is None:
            name = self.settings.get("provider", "twilio")
            if not self.settings.get("account_sid") or not self.secret:
                raise TransientError("SMS is not configured for this merchant (account sid / auth token)")
            self.provider = PROVIDERS[name](
                account_sid=self.settings["account_sid"], auth_token=self.secret,
                from_number=self.settings.get("from_number", ""),
                messaging_service_sid=self.settings.get("messaging_service_sid", ""),
            )  # fmt: skip
        return self.provider

    def send(self, message, rendered, contact_point) -> SendResult:
        if is_landline(contact_point.value):
            raise PermanentError(f"landline: {contact_point.value} cannot receive SMS")
        body = rendered.sms
        info = count_segments(body)
        if info.segments > MAX_SEGMENTS:
            raise PermanentError(f"too long: {info.segments} {info.encoding} segments (max {MAX_SEGMENTS})")
        callback = f"{settings.SETTLE_PUBLIC_URL.rstrip('/')}/outreach/sms/status/{message.code}/"
        sent = self._provider().send(to=contact_point.value, body=body, status_callback=callback)
        return SendResult(provider_ref=sent.sid, detail=f"{info.segments} {info.encoding} segment(s)")
