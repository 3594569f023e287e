"""Data-subject rights for one customer: export everything Settle holds about them, or erase it.

Erasure removes personal data (name, contact points, message texts, raw payloads held by other apps) while the
ledger stays, anonymised: the merchant must keep its books, and a debt's history does not name a person once
the customer row no longer does. Other apps erase their own copies through `privacy_erasers` declared on their
AppConfig (dotted paths to `eraser(customer) -> None`), so this module never imports them.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string

from settle.core import clock

from .models import ContactPoint, ContactPreference, Customer


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def customer_export(*, customer: Customer) -> dict:
    """Everything about one customer as JSON-ready data: profile, contacts, preferences, money, messages."""
    from settle.ledger.models import LedgerEntry, Payment, Receivable

    Message = apps.get_model("communications", "Message")
    profile = {f: getattr(customer, f) for f in ("name", "company_name", "tax_id", "kind", "country", "region",
                                                  "city", "timezone", "locale", "preferred_channel", "source",
                                                  "external_id", "orders_count")}  # fmt: skip
    return {
        "customer_id": customer.pk,
        "exported_at": clock.now().isoformat(),
        "profile": profile,
        "erased_at": _iso(customer.erased_at),
        "contact_points": [
            {"kind": p.kind, "value": p.value, "verified": p.verified, "disabled_at": _iso(p.disabled_at)}
            for p in ContactPoint.objects.filter(customer=customer)
        ],
        "preferences": [
            {"channel": p.channel, "opted_out_at": _iso(p.opted_out_at), "source": p.source}
            for p in ContactPreference.objects.filter(customer=customer)
        ],
        "receivables": [
            {
                "number": r.number,
                "source": r.source,
                "external_id": r.external_id,
                "currency": r.currency,
                "amount_minor": r.amount_minor,
                "balance_minor": r.balance_minor,
                "due_date": r.due_date.isoformat(),
                "status": r.status,
            }  # fmt: skip
            for r in Receivable.objects.filter(customer=customer)
        ],
        "payments": [
            {
                "external_id": p.external_id,
                "currency": p.currency,
                "amount_minor": p.amount_minor,
                "received_at": _iso(p.received_at),
                "method": p.method,
            }  # fmt: skip
            for p in Payment.objects.filter(customer=customer)
        ],
        "ledger_entries": [
            {
                "kind": e.kind,
                "currency": e.currency,
                "amount_minor": e.amount_minor,
                "at": _iso(e.effective_at),
            }
            for e in LedgerEntry.objects.filter(customer=customer)
        ],
        "messages": [
            {
                "channel": m.channel,
                "template_key": m.template_key,
                "status": m.status,
                "subject": m.subject,
                "body_text": m.body_text,
                "sent_at": _iso(m.sent_at),
            }  # fmt: skip
            for m in Message.objects.filter(customer=customer)
        ],
    }


def customer_erase(*, customer: Customer, at: datetime | None = None) -> Customer:
    """Erase personal data, keep the anonymised ledger; queued messages to them are cancelled."""
    at = at or clock.now()
    Message = apps.get_model("communications", "Message")
    with transaction.atomic():
        ContactPoint.objects.filter(customer=customer).delete()
        Message.objects.filter(customer=customer, status="queued").update(
            status="cancelled", status_reason="cancelled: the customer's personal data was erased"
        )
        Message.objects.filter(customer=customer).update(subject="", body_text="", body_html="", context={})
        Customer.objects.filter(pk=customer.pk).update(
            name=f"Erased customer {customer.pk}", company_name="", tax_id="", city="", region="",
            external_id="", erased_at=at, updated_at=at,
        )  # fmt: skip
        for config in apps.get_app_configs():
            for path in getattr(config, "privacy_erasers", ()):
                import_string(path)(customer)
    customer.refresh_from_db()
    return customer
