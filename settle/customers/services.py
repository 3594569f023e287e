"""Writes for customers and their contact points. Every input is validated with a field-named error."""

from contextlib import contextmanager

from django.db import IntegrityError, transaction

from settle.merchants.models import Merchant

from .models import ContactKind, ContactPoint, Customer, CustomerKind
from .validation import (
    Conflict,
    FieldError,
    clean_country,
    clean_email,
    clean_locale,
    clean_phone,
    clean_timezone,
    default_timezone_for,
)

_CUSTOMER_FIELDS = {
    "kind", "name", "company_name", "tax_id", "country", "region", "city", "timezone", "locale",
    "preferred_channel", "orders_count", "first_order_at", "source", "external_id",
}  # fmt: skip


def _clean_customer_fields(fields: dict) -> dict:
    unknown = set(fields) - _CUSTOMER_FIELDS
    if unknown:
        raise FieldError(sorted(unknown)[0], "unknown field")
    cleaned = dict(fields)
    if "name" in cleaned and not (cleaned["name"] or "").strip():
        raise FieldError("name", "must not be empty")
    if "kind" in cleaned and cleaned["kind"] not in CustomerKind.values:
        raise FieldError("kind", f"must be one of {', '.join(CustomerKind.values)}")
    if "country" in cleaned:
        cleaned["country"] = clean_country(cleaned["country"])
    if cleaned.get("timezone"):
        cleaned["timezone"] = clean_timezone(cleaned["timezone"])
    if "locale" in cleaned:
        cleaned["locale"] = clean_locale(cleaned["locale"])
    if "region" in cleaned:
        cleaned["region"] = (cleaned["region"] or "").upper()
    if cleaned.get("preferred_channel") and cleaned["preferred_channel"] not in ContactKind.values:
        raise FieldError("preferred_channel", f"must be one of {', '.join(ContactKind.values)}")
    return cleaned


def customer_create(
    *,
    merchant: Merchant,
    name: str,
    email: str = "",
    phone: str = "",
    **fields,
) -> Customer:
    """Create a customer with optional primary email/phone; the timezone defaults from the country."""
    cleaned, email, phone = _prepare(merchant, name, email, phone, fields)
    with _duplicate_external_id_is_a_conflict(merchant, cleaned), transaction.atomic():
        customer = Customer.objects.create(merchant=merchant, **cleaned)
        if email:
            ContactPoint.objects.create(
                merchant=merchant, customer=customer, kind=ContactKind.EMAIL, value=email, is_primary=True
            )
        if phone:
            ContactPoint.objects.create(
                merchant=merchant, customer=customer, kind=ContactKind.PHONE, value=phone, is_primary=True
            )
    return customer


def _prepare(merchant: Merchant, name: str, email: str, phone: str, fields: dict) -> tuple[dict, str, str]:
    cleaned = _clean_customer_fields({"name": name, **fields})
    if not cleaned.get("timezone"):
        cleaned["timezone"] = (
            default_timezone_for(cleaned.get("country", ""))
            if cleaned.get("country")
            else (merchant.timezone)
        )
    email = clean_email(email) if email else ""
    phone = clean_phone(phone, cleaned.get("country", "")) if phone else ""
    return cleaned, email, phone


def customer_row(
    *, merchant: Merchant, row_no: int, name: str, email: str = "", phone: str = "", **fields
) -> tuple:
    """The row `customers.bulk.customers_bulk_create` takes, validated exactly as `customer_create` would
    (same FieldError); for callers that create many customers at once (webhook batches)."""
    cleaned, email, phone = _prepare(merchant, name, email, phone, fields)
    defaults = {f.name: f.get_default() for f in Customer._meta.concrete_fields if f.name in _CUSTOMER_FIELDS}
    values = {**defaults, **cleaned}
    return (
        row_no, values["external_id"] or "", values["kind"], values["name"], values["company_name"],
        values["tax_id"], values["country"], values["region"], values["city"], values["timezone"],
        values["locale"], values["orders_count"], values["first_order_at"], email, phone,
    )  # fmt: skip


def customer_update(*, customer: Customer, **fields) -> Customer:
    """Update the given fields only (a partial update)."""
    cleaned = _clean_customer_fields(fields)
    for key, value in cleaned.items():
        setattr(customer, key, value)
    lookup = {"source": customer.source, "external_id": customer.external_id}
    with _duplicate_external_id_is_a_conflict(customer.merchant, lookup), transaction.atomic():
        customer.save(update_fields=[*cleaned.keys(), "updated_at"])
    return customer


@contextmanager
def _duplicate_external_id_is_a_conflict(merchant: Merchant, fields: dict):
    """Let the unique constraint decide (no check-then-insert race), and name the field when it does."""
    try:
        yield
    except IntegrityError:
        source, external_id = fields.get("source", "api"), fields.get("external_id", "")
        if (
            external_id
            and Customer.objects.filter(merchant=merchant, source=source, external_id=external_id).exists()
        ):
            raise Conflict("external_id", f"a customer {external_id!r} from {source} exists") from None
        raise


def contact_point_add(
    *, customer: Customer, kind: str, value: str, is_primary: bool = False, label: str = ""
) -> ContactPoint:
    """Add (or re-enable) a contact point, normalising emails and phones (E.164)."""
    if kind not in ContactKind.values:
        raise FieldError("kind", f"must be one of {', '.join(ContactKind.values)}")
    if kind == ContactKind.EMAIL:
        value = clean_email(value, field="value")
    elif kind == ContactKind.PHONE:
        value = clean_phone(value, customer.country, field="value")
    elif kind == ContactKind.WEBHOOK:
        if not value.startswith("https://"):
            raise FieldError("value", "webhook endpoints must be https:// URLs")
    elif not value.strip():
        raise FieldError("value", "must not be empty")
    with transaction.atomic():
        if is_primary:
            ContactPoint.objects.filter(customer=customer, kind=kind).update(is_primary=False)
        point, created = ContactPoint.objects.get_or_create(
            customer=customer,
            kind=kind,
            value=value,
            defaults={"merchant_id": customer.merchant_id, "is_primary": is_primary, "label": label},
        )
        if not created and (point.disabled_at or is_primary != point.is_primary):
            point.disabled_at = None
            point.is_primary = is_primary or point.is_primary
            point.save(update_fields=["disabled_at", "is_primary"])
    return point


def contact_point_disable(*, point: ContactPoint, reason: str, at) -> None:
    """Stop using a point that bounced or failed permanently; it stays for the record."""
    ContactPoint.objects.filter(pk=point.pk).update(disabled_at=at, last_error=reason[:500])
