"""Writes for outreach: merchant templates (validated on save), test sends, review decisions, channel config."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from django.db import transaction

from settle.customers.validation import FieldError
from settle.merchants.models import Merchant

from . import catalog
from .models import ChannelConfig, Message, MessageTemplate
from .render import VARIABLES, RenderError, Wording, check_html, render, sample_context
from .tone_guard import tone_findings

_VAR = re.compile(r"{{\s*([^}|\s]+)")
_TAG = re.compile(r"{%")


def template_check(
    *, template_key: str, tone: str, locale: str, subject: str, body: str, sms: str = ""
) -> None:
    """Refuse what could not be sent whole or kindly: unknown variables, template tags, broken HTML, tone."""
    if template_key not in catalog.TEMPLATE_KEYS:
        raise FieldError("template_key", f"must be one of {', '.join(catalog.TEMPLATE_KEYS)}")
    if tone not in catalog.TONES:
        raise FieldError("tone", f"must be one of {', '.join(catalog.TONES)}")
    if locale not in catalog.LANGUAGES:
        raise FieldError("locale", f"must be one of {', '.join(catalog.LANGUAGES)}")
    for field, source in (("subject", subject), ("body", body), ("sms", sms)):
        if field != "sms" and not source.strip():
            raise FieldError(field, "must not be empty")
        if _TAG.search(source):
            raise FieldError(field, "template tags ({% … %}) are not allowed; use {{ variables }} only")
        unknown = sorted({name for name in _VAR.findall(source) if name not in VARIABLES})
        if unknown:
            raise FieldError(field, f"unknown variable: {', '.join(unknown)} (known: {', '.join(VARIABLES)})")
        findings = tone_findings(source, template_key=template_key, tone=tone)
        if findings:
            raise FieldError(field, f"tone guard: {findings[0]}")
    try:
        check_html(body)  # markup typed into the body must be balanced
        render(wording=Wording(subject, body, sms), context=sample_context(), locale=locale, name="Sample",
               merchant_name="Sample", code=str(uuid.uuid4()), verify_html=True)  # fmt: skip
    except RenderError as exc:
        raise FieldError("body", str(exc)) from exc


def template_save(*, merchant: Merchant, template_key: str, tone: str, locale: str, subject: str, body: str,
                  sms: str = "") -> MessageTemplate:  # fmt: skip
    """Create or replace a merchant's wording for one key, tone and language (checked first)."""
    template_check(template_key=template_key, tone=tone, locale=locale, subject=subject, body=body, sms=sms)
    template, _created = MessageTemplate.objects.update_or_create(
        merchant=merchant, template_key=template_key, tone=tone, locale=locale,
        defaults={"subject": subject, "body": body, "sms": sms},
    )  # fmt: skip
    return template


def template_delete(*, merchant: Merchant, template_id: int) -> None:
    MessageTemplate.objects.filter(merchant=merchant, pk=template_id).delete()


def message_send_test(*, merchant: Merchant, template_key: str, tone: str, locale: str, email: str,
                      at: datetime) -> Message:  # fmt: skip
    """A "send a test to me": a real Message through the real delivery path, flagged is_test.

    It gets a sample customer and sample facts, skips the re-checks and the daily limit, and is not counted in
    any contact history (delivery and the policy both ignore is_test rows).
    """
    from settle.customers.models import ContactPoint
    from settle.customers.services import customer_create
    from settle.customers.validation import clean_email

    email = clean_email(email, field="email")
    with transaction.atomic():
        customer = customer_create(merchant=merchant, name="Sample Customer", locale=locale, source="test",
                                   external_id=f"test-{email}"[:100]) if not _sample_exists(merchant, email) else \
            _sample_customer(merchant, email)  # fmt: skip
        point, _created = ContactPoint.objects.get_or_create(
            customer=customer, kind="email", value=email, defaults={"merchant": merchant, "is_primary": True}
        )
        return Message.objects.create(
            merchant=merchant, customer=customer, channel="email", contact_point=point, template_key=template_key,
            tone=tone, locale=locale, context=sample_context(merchant.default_currency), not_before=at,
            idempotency_key=f"test-{uuid.uuid4()}", is_test=True, step_key="test",
        )  # fmt: skip


def _sample_exists(merchant: Merchant, email: str) -> bool:
    from settle.customers.models import Customer

    return Customer.objects.filter(
        merchant=merchant, source="test", external_id=f"test-{email}"[:100]
    ).exists()


def _sample_customer(merchant: Merchant, email: str):
    from settle.customers.models import Customer

    return Customer.objects.get(merchant=merchant, source="test", external_id=f"test-{email}"[:100])


def channel_config_set(*, merchant: Merchant, kind: str, settings: dict, secret: str = "",
                       enabled: bool = True) -> ChannelConfig:  # fmt: skip
    if kind not in catalog.CHANNELS:
        raise FieldError("kind", f"must be one of {', '.join(catalog.CHANNELS)}")
    from .channels import channel_class

    known = channel_class(kind).config_fields
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise FieldError(
            "settings",
            f"unknown setting for {kind}: {', '.join(unknown)} (known: {', '.join(known) or 'none'})",
        )
    config, _created = ChannelConfig.objects.update_or_create(
        merchant=merchant, kind=kind, defaults={"settings": settings, "secret": secret, "enabled": enabled}
    )
    return config
