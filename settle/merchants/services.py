"""Writes for tenants, memberships and API keys."""

import hashlib
import re
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from settle.core import clock
from settle.core.money import validate_currency

from .models import AllocationOrder, ApiKey, Membership, Merchant, Role


def merchant_create(
    *, name: str, country: str, default_currency: str, timezone: str = "UTC", slug: str = "", **fields
) -> Merchant:
    """Create a tenant with validated currency and country."""
    return Merchant.objects.create(
        name=name,
        slug=slug or slugify(name),
        country=country.upper(),
        default_currency=validate_currency(default_currency),
        timezone=timezone,
        **fields,
    )


def membership_grant(*, merchant: Merchant, user, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, merchant=merchant, defaults={"role": role})
    return membership


def user_create_with_membership(
    *, merchant: Merchant, username: str, password: str, role: str = Role.OWNER, email: str = ""
):
    """Create a login for a merchant; used by the demo and by onboarding."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password, email=email)
        membership_grant(merchant=merchant, user=user, role=role)
    return user


def _hash_secret(secret: str) -> str:
    # API secrets carry 256 bits of entropy, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, merchant: Merchant, name: str, role: str = Role.MANAGER) -> tuple[ApiKey, str]:
    """Create a key and return it with the plain token, which is shown once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        merchant=merchant, name=name, prefix=prefix, key_hash=_hash_secret(secret), role=role
    )
    return key, f"sk_{prefix}_{secret}"


def api_key_authenticate(token: str) -> ApiKey | None:
    """Return the live key for a plain token, or None. Constant-time comparison of the hash."""
    try:
        scheme, prefix, secret = token.split("_", 2)
    except ValueError:
        return None
    if scheme != "sk":
        return None
    key = ApiKey.objects.select_related("merchant").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not secrets.compare_digest(key.key_hash, _hash_secret(secret)):
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=clock.now())
    return key


def api_key_revoke(*, merchant: Merchant, key_id: int) -> None:
    ApiKey.objects.filter(merchant=merchant, pk=key_id, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


_SETTINGS_FIELDS = {
    "name", "default_currency", "country", "timezone", "locales", "allocation_order", "brand_name",
    "brand_color", "sender_name", "support_email", "legal_name", "legal_address",
}  # fmt: skip


def merchant_settings_update(*, merchant: Merchant, **fields) -> Merchant:
    """Change the merchant's settings (a manager's or owner's job); every value validated, field-named."""
    from settle.customers.validation import (
        FieldError,
        clean_country,
        clean_email,
        clean_locale,
        clean_timezone,
    )

    unknown = set(fields) - _SETTINGS_FIELDS
    if unknown:
        raise FieldError(sorted(unknown)[0], "unknown field")
    cleaned = dict(fields)
    if "name" in cleaned and not (cleaned["name"] or "").strip():
        raise FieldError("name", "must not be empty")
    if "name" in cleaned:
        cleaned["name"] = cleaned["name"].strip()[:200]
    if "default_currency" in cleaned:
        try:
            cleaned["default_currency"] = validate_currency(
                (cleaned["default_currency"] or "").strip().upper()
            )
        except ValueError as exc:
            raise FieldError("default_currency", str(exc)) from None
    if "country" in cleaned:
        cleaned["country"] = clean_country(cleaned["country"])
        if not cleaned["country"]:
            raise FieldError("country", "must not be empty")
    if "timezone" in cleaned:
        cleaned["timezone"] = clean_timezone(cleaned["timezone"])
    if "locales" in cleaned:
        cleaned["locales"] = [clean_locale(value, field="locales") for value in cleaned["locales"]]
    if "allocation_order" in cleaned and cleaned["allocation_order"] not in AllocationOrder.values:
        raise FieldError("allocation_order", f"must be one of {', '.join(AllocationOrder.values)}")
    if cleaned.get("support_email"):
        cleaned["support_email"] = clean_email(cleaned["support_email"], field="support_email")
    if "brand_color" in cleaned and not re.fullmatch(r"#[0-9a-fA-F]{6}", cleaned["brand_color"] or ""):
        raise FieldError("brand_color", "must be a hex colour like #2f6f4f")
    for key, value in cleaned.items():
        setattr(merchant, key, value)
    merchant.save(update_fields=list(cleaned))
    return merchant
