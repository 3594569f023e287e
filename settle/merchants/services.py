"""Writes for tenants, memberships and API keys."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from settle.core import clock
from settle.core.money import validate_currency

from .models import ApiKey, Membership, Merchant, Role


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


def merchant_settings_update(
    *,
    merchant: Merchant,
    name: str | None = None,
    timezone: str | None = None,
    default_currency: str | None = None,
    allocation_order: str | None = None,
) -> Merchant:
    """Change the merchant's own settings; None leaves a field as it is. Bad input raises FieldError.

    Validation happens before any write, so a bad field never leaves the others half-saved.
    """
    from settle.core.money import UnknownCurrency
    from settle.customers.validation import FieldError, clean_timezone

    from .models import AllocationOrder

    changes: dict[str, str] = {}
    if name is not None:
        if not name.strip():
            raise FieldError("name", "must not be empty")
        changes["name"] = name.strip()[:200]
    if timezone is not None:
        changes["timezone"] = clean_timezone(timezone)
    if default_currency is not None:
        try:
            changes["default_currency"] = validate_currency(default_currency.strip().upper())
        except UnknownCurrency as exc:
            raise FieldError("default_currency", "is not an ISO 4217 currency code") from exc
    if allocation_order is not None:
        if allocation_order not in AllocationOrder.values:
            raise FieldError("allocation_order", f"must be one of {', '.join(AllocationOrder.values)}")
        changes["allocation_order"] = allocation_order
    with transaction.atomic():
        for key, value in changes.items():
            setattr(merchant, key, value)
        if changes:
            merchant.save(update_fields=list(changes))
    return merchant
