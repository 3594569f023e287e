"""Money rules: EU 2011/7 fixed compensation and statutory late-payment interest from effective-dated rates.

Simple interest, actual/365, on each receivable's overdue principal, split at every rate change; rounding is
half-up to the minor unit, once per receivable. Consumer interest only where the merchant's terms allow it and
never above the legal cap. Amounts are integers in minor units; nothing here uses floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import holidays


@dataclass(frozen=True)
class RateFact:
    """One effective-dated rate: `key` names the series (e.g. "DE_B2B", "PL_B2C"), `percent` per annum."""

    key: str
    effective_from: date
    percent: Decimal
    source: str = ""


@dataclass(frozen=True)
class FxFact:
    """One published exchange rate: 1 `base` = `rate` `quote` on `on` (e.g. NBP table A, EUR→PLN)."""

    base: str
    quote: str
    on: date
    rate: Decimal
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


def compensation_minor(
    country: str, currency: str, debt_minor: int, due: date | None = None, fx: tuple[FxFact, ...] = ()
) -> tuple[int, str] | None:
    """The fixed recovery compensation for one debt in its own currency, or None when it cannot be stated.

    GB: £40/70/100 by debt size; DE, FR, ES, EU: EUR 40. PL: EUR 40/70/100 by the debt in PLN (≤ 5,000 /
    < 50,000 / ≥ 50,000), paid in PLN at the NBP average EUR rate of the last business day of the month
    before the month the payment fell due (art. 10 ust. 1); without that published rate we say None rather
    than guess (`pl_compensation_rate` tells which one is missing).
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
    if unit == "PLN_EUR" and currency == "PLN" and due is not None:
        fact = pl_compensation_rate(due, fx)
        if fact is None:
            return None
        euros = 40 if debt_minor <= 500_000 else 70 if debt_minor < 5_000_000 else 100
        amount = _round(Decimal(euros) * fact.rate * 100)
        return amount, f"{source}; EUR {euros} at NBP {fact.rate} of {fact.on.isoformat()}"
    return None


def pl_compensation_rate(due: date, fx: tuple[FxFact, ...]) -> FxFact | None:
    """The NBP EUR→PLN rate of the last business day of the month before `due`'s month, or None when that
    day's rate is not known (a rate of another day is never substituted)."""
    day = pl_rate_day(due)
    return next((f for f in fx if f.base == "EUR" and f.quote == "PLN" and f.on == day), None)


def pl_rate_day(due: date) -> date:
    """The last business day (no weekend, no Polish public holiday: NBP does not publish then) of the month
    before the month of `due`."""
    day = due.replace(day=1) - timedelta(days=1)
    closed = holidays.country_holidays("PL", years=day.year)
    while day.weekday() >= 5 or day in closed:
        day -= timedelta(days=1)
    return day


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
