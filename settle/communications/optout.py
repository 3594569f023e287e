"""Opt-out: signed one-click unsubscribe links (RFC 8058), SMS STOP words, and the preference writes.

Tokens are signed with the project's SECRET_KEY (django.core.signing), so the link works without a login and
cannot be forged for another customer. Every opt-out is a ContactPreference row with its source and time;
delivery reads those rows for every batch, so an opt-out applies to the very next message.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

_SALT = "settle.communications.unsubscribe"

# Inbound SMS keywords that mean "stop" (Twilio's standard list plus the languages we speak).
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE",
     "СТОП", "ОТПИСАТЬСЯ", "ОТПИСКА", "STOPP", "ABMELDEN", "NIE", "REZYGNUJ", "WYPISZ"}
)  # fmt: skip
START_WORDS = frozenset({"START", "UNSTOP", "YES", "СТАРТ", "TAK"})


def unsubscribe_token(*, customer_id: int, channel: str, merchant_id: int) -> str:
    return signing.dumps({"c": customer_id, "ch": channel, "m": merchant_id}, salt=_SALT, compress=True)


def read_token(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None


def unsubscribe_url(message) -> str:
    token = unsubscribe_token(customer_id=message.customer_id, channel=message.channel,
                              merchant_id=message.merchant_id)  # fmt: skip
    return f"{settings.SETTLE_PUBLIC_URL.rstrip('/')}/outreach/unsubscribe/{token}/"


def preferences_label(locale: str) -> str:
    with translation.override(locale or "en"):
        return gettext("Contact preferences / unsubscribe")


def is_stop_word(body: str) -> bool:
    return (body or "").strip().strip(".!").upper() in STOP_WORDS


def is_start_word(body: str) -> bool:
    return (body or "").strip().strip(".!").upper() in START_WORDS


def opt_out(*, customer, channel: str, source: str, at: datetime, note: str = ""):
    """Record an opt-out of one channel (or "all"); queued messages on it are cancelled with the reason."""
    from settle.customers.models import ContactPreference

    from .models import Message, MessageStatus

    with transaction.atomic():
        pref, _created = ContactPreference.objects.update_or_create(
            customer=customer, channel=channel,
            defaults={"merchant_id": customer.merchant_id, "opted_out_at": at, "source": source, "note": note},
        )  # fmt: skip
        queued = Message.objects.filter(customer=customer, status=MessageStatus.QUEUED, is_test=False)
        if channel != "all":
            queued = queued.filter(channel=channel)
        # Legally required notices are left for delivery, which sends them by post and says why.
        queued.exclude(template_key__in=("final_notice", "agency_handoff")).update(
            status=MessageStatus.CANCELLED,
            status_reason=f"opted_out: the customer opted out of {channel} ({source})",
        )
    return pref


def opt_in(*, customer, channel: str, source: str) -> None:
    from settle.customers.models import ContactPreference

    ContactPreference.objects.filter(customer=customer, channel=channel).update(
        opted_out_at=None, source=source
    )
