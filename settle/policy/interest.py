"""Money rules: EU 2011/7 fixed compensation and statutory late-payment interest from effective-dated rates.

Simple interest, actual/365, on each receivable's overdue principal, split at every rate change; rounding is
half-up to the minor unit, once per receivable. Consumer interest only where the merchant's terms allow it and
never above the legal cap. Amounts are integers in minor units; nothing here uses floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class RateFact:
    """One effective-dated rate: `key` names the series (e.g. "DE_B2B", "PL_B2C"), `percent` per annum."""

    key: str
    effective_from: date
    percent: Decimal
    source: str = ""


# Which rate series applies per jurisdiction and debtor kind (series are loaded into RatePeriod from the
# reference and already include the statutory spread over the central-bank rate).
INTEREST_SERIES = {
    ("PL", "business"): "PL_B2B", ("PL", "consumer"): "PL_B2C",
    ("DE", "business"): "DE_B2B", ("DE", "consumer"): "DE_B2C",
    ("GB", "business"): "GB_B2B",
    ("FR", "business"): "FR_B2B", ("FR", "consumer"): "FR_B2C",
    ("ES", "business"): "ES_B2B", ("ES", "consumer"): "ES_B2C",
    ("EU", "business"): "EU_B2B",
    ("RU", "business"): "RU_395", ("RU", "consumer"): "RU_395",
}  # fmt: skip
# Consumer contractual caps: PL KC art. 481 §2(1) = 2 × statutory; elsewhere the statutory rate itself.
CONSUMER_CAP_MULTIPLIER = {"PL": Decimal(2)}

# Fixed compensation per debt (Directive 2011/7/EU art. 6 and national transpositions): (currency, bands).
COMPENSATION = {
    "PL": ("PLN_EUR", "ustawa z 8 marca 2013, art. 10"),
    "DE": ("EUR", "BGB §288 Abs. 5"),
    "FR": ("EUR", "Code de commerce L.441-10 II, D.441-5"),
    "ES": ("EUR", "Ley 3/2004 art. 8"),
    "GB": ("GBP", "Late Payment Act 1998 s.5A"),
    "EU": ("EUR", "Directive 2011/7/EU art. 6"),
}


def compensation_minor(country: str, currency: str, debt_minor: int) -> tuple[int, str] | None:
    """The fixed recovery compensation for one debt in its own currency, or None when it cannot be stated.

    PL's bands are in PLN but the amount is EUR converted at the NBP rate: without that rate we say None
    rather than guess. GB: £40/70/100 by debt size; DE, FR, ES, EU: EUR 40.
    """
    rule = COMPENSATION.get(country)
    if rule is None:
        return None
    unit, source = rule
    if unit == "GBP" and currency == "GBP":
        amount = 4000 if debt_minor < 100_000 else 7000 if debt_minor < 1_000_000 else 10000
        return amount, source
    if unit == "EUR" and currency == "EUR":
        return 4000, source
    return None


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def interest_minor(*, principal_minor: int, start: date, end: date, rates: list[RateFact]) -> int:
    """Simple interest on `principal_minor` for the days in [start, end), split at each rate change."""
    if end <= start or principal_minor <= 0:
        return 0
    ordered = sorted(rates, key=lambda r: r.effective_from)
    total = Decimal(0)
    for i, rate in enumerate(ordered):
        seg_start = max(start, rate.effective_from)
        seg_end = min(end, ordered[i + 1].effective_from if i + 1 < len(ordered) else end)
        if seg_end > seg_start:
            total += Decimal(principal_minor) * rate.percent / 100 * Decimal((seg_end - seg_start).days) / 365
    return _round(total)


def consumer_rate_allowed(
    country: str, terms_percent: Decimal | None, statutory: Decimal | None
) -> Decimal | None:
    """The consumer rate to charge: the merchant's contractual rate, capped; None when terms allow none."""
    if terms_percent is None or terms_percent <= 0 or statutory is None:
        return None
    cap = statutory * CONSUMER_CAP_MULTIPLIER.get(country, Decimal(1))
    return min(terms_percent, cap)


def first_default_day(due: date) -> date:
    """Interest runs from the day after the due date (Directive 2011/7/EU art. 3(3))."""
    return due + timedelta(days=1)
