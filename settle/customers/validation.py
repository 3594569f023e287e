"""Validation of customer facts: country, timezone, locale, phone and email.

Each function returns the normalised value or raises `FieldError` naming the field, so API, CSV import and
integrations report the same reason for the same bad value.
"""

import zoneinfo
from functools import cache

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

SUPPORTED_LOCALES = ("en", "pl", "ru", "de")


class FieldError(ValueError):
    """Bad input for one field; `field` names it for API problem details and CSV row reports."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Conflict(FieldError):
    """The value clashes with an existing row (a duplicate external id): HTTP 409, not 422."""


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_country(value: str, field: str = "country") -> str:
    code = (value or "").strip().upper()
    if not code:
        return ""
    try:
        Locale("en").territories[code]  # noqa: B018 - lookup is the validation
    except KeyError:
        raise FieldError(
            field, f"unknown country code {value!r}: expected ISO 3166-1 alpha-2 like PL"
        ) from None
    if len(code) != 2 or not code.isalpha():
        raise FieldError(field, f"unknown country code {value!r}: expected ISO 3166-1 alpha-2 like PL")
    return code


def clean_timezone(value: str, field: str = "timezone") -> str:
    if value not in _timezones():
        raise FieldError(field, f"unknown time zone {value!r}: expected an IANA name like Europe/Warsaw")
    return value


def clean_locale(value: str, field: str = "locale") -> str:
    try:
        parsed = Locale.parse((value or "en").replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise FieldError(field, f"unknown locale {value!r}") from None
    return parsed.language if parsed.language in SUPPORTED_LOCALES else "en"


def clean_phone(value: str, country: str = "", field: str = "phone") -> str:
    """Return E.164 (+48601234567); national numbers are read in the customer's country."""
    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException as exc:
        raise FieldError(field, f"not a phone number {value!r}: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError(field, f"not a valid phone number {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_is_mobile(e164: str) -> bool | None:
    """True/False where the numbering plan tells; None where it cannot (e.g. US numbers)."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return True
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return False
    return None


def clean_email(value: str, field: str = "email") -> str:
    email = (value or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise FieldError(field, f"not a valid email address {value!r}") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


# CLDR lists a multi-zone country's zones alphabetically, not by population: name the usual one here.
_MAIN_ZONE = {
    "US": "America/New_York",
    "RU": "Europe/Moscow",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "KZ": "Asia/Almaty",
    "ID": "Asia/Jakarta",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "DE": "Europe/Berlin",
    "UA": "Europe/Kyiv",
}


def default_timezone_for(country: str) -> str:
    """A sensible zone when only the country is known; the customer's own zone always wins."""
    code = (country or "").upper()
    if code in _MAIN_ZONE:
        return _MAIN_ZONE[code]
    zones = get_global("territory_zones").get(code, [])
    return zones[0] if zones else "UTC"
