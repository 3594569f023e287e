"""Portal notices: a row the debtor portal shows. It lives in our database, so a crash is resolved exactly."""

from __future__ import annotations

from settle.communications.channels.base import Channel, SendResult
from settle.core import clock


class PortalChannel(Channel):
    kind = "portal"
    contact_kind = None

    def send(self, message, rendered, contact_point) -> SendResult:
        from settle.communications.models import PortalNotice

        notice, _created = PortalNotice.objects.get_or_create(
            message=message,
            defaults={"merchant_id": message.merchant_id, "customer_id": message.customer_id,
                      "title": rendered.subject, "body": rendered.text, "created_at": clock.now()},
        )  # fmt: skip
        return SendResult(provider_ref=f"portal-notice-{notice.pk}")

    def lookup(self, message) -> bool | None:
        from settle.communications.models import PortalNotice

        return PortalNotice.objects.filter(message=message).exists()
