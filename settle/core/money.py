"""Money as integer minor units plus an ISO 4217 currency.

Why not Decimal amounts: every ledger sum must be exact and every rounding must be a visible decision. A
`Money` never holds a fraction of a minor unit; converting from a decimal that would need rounding raises
unless the caller names the rounding mode.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

ROUND_HALF_UP = decimal.ROUND_HALF_UP
ROUND_HALF_EVEN = decimal.ROUND_HALF_EVEN
ROUND_DOWN = decimal.ROUND_DOWN
ROUND_UP = decimal.ROUND_UP


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


class UnknownCurrency(ValueError):
    """The code is not an ISO 4217 currency known to CLDR."""


class InexactAmount(ValueError):
    """The decimal amount has more digits than the currency's minor unit and no rounding was named."""


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def validate_currency(code: str) -> str:
    """Return the upper-cased ISO 4217 code, or raise UnknownCurrency."""
    if not isinstance(code, str) or len(code) != 3 or code.upper() not in _known_currencies():
        raise UnknownCurrency(f"unknown currency {code!r}: expected an ISO 4217 code such as EUR or PLN")
    return code.upper()


@cache
def minor_exponent(currency: str) -> int:
    """Digits after the decimal point for the currency (JPY 0, PLN 2, KWD 3), from CLDR."""
    return get_currency_precision(validate_currency(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `minor` units of `currency` (12345 PLN = 123.45 zł)."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money.minor must be an int of minor units, got {type(self.minor).__name__}")
        code = validate_currency(self.currency)
        if code != self.currency:
            object.__setattr__(self, "currency", code)

    # --- construction ------------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(
        cls, amount: Decimal | str | int, currency: str, *, rounding: str | None = None
    ) -> Money:
        """Convert a major-unit amount ("12.34", Decimal) to minor units.

        Raises InexactAmount when the value has more digits than the currency allows and `rounding` is None.
        Floats are refused: they cannot represent most decimal amounts exactly.
        """
        if isinstance(amount, float):
            raise TypeError("floats are not accepted for money; pass a str or Decimal")
        try:
            value = Decimal(amount) if not isinstance(amount, Decimal) else amount
        except decimal.InvalidOperation:
            raise ValueError(f"not a decimal amount: {amount!r}") from None
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {amount!r}")
        exponent = minor_exponent(currency)
        scaled = value.scaleb(exponent)
        integral = scaled.to_integral_value(rounding=rounding or ROUND_HALF_EVEN)
        if integral != scaled and rounding is None:
            raise InexactAmount(
                f"{amount} {currency} has more than {exponent} decimal places; name a rounding mode"
            )
        return cls(int(integral), currency)

    # --- conversion --------------------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_exponent(self.currency))

    def format(self, locale: str = "en") -> str:
        """Human format in the reader's locale, e.g. '1 234,50 zł' for pl."""
        return format_currency(self.to_decimal(), self.currency, locale=locale)

    def __str__(self) -> str:
        return f"{self.to_decimal():f} {self.currency}"

    # --- arithmetic --------------------------------------------------------------------------------
    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._check(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._check(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int; use .multiply(Decimal, rounding=...)")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Money:
        raise TypeError("division needs a rounding decision: use .allocate() or .multiply(..., rounding=...)")

    def multiply(self, factor: Decimal | str | int, *, rounding: str) -> Money:
        """Multiply by a decimal factor (a rate, a percentage) with an explicit rounding mode."""
        if isinstance(factor, float):
            raise TypeError("floats are not accepted; pass a Decimal or str factor")
        product = Decimal(self.minor) * Decimal(factor)
        return Money(int(product.to_integral_value(rounding=rounding)), self.currency)

    def _compare(self, other: Money) -> int:
        other = self._check(other)
        return (self.minor > other.minor) - (self.minor < other.minor)

    def __lt__(self, other: Money) -> bool:
        return self._compare(other) < 0

    def __le__(self, other: Money) -> bool:
        return self._compare(other) <= 0

    def __gt__(self, other: Money) -> bool:
        return self._compare(other) > 0

    def __ge__(self, other: Money) -> bool:
        return self._compare(other) >= 0

    def __bool__(self) -> bool:
        return self.minor != 0

    @property
    def is_positive(self) -> bool:
        return self.minor > 0

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    # --- allocation --------------------------------------------------------------------------------
    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split into parts proportional to integer `ratios`; the parts always sum to exactly self.

        Remainder minor units go one each to the parts with the largest fractional shares (ties: earlier
        parts first), so no unit is lost or invented. Used for installment schedules.
        """
        if not ratios or any(isinstance(r, bool) or not isinstance(r, int) or r < 0 for r in ratios):
            raise ValueError("ratios must be a non-empty list of non-negative ints")
        total = sum(ratios)
        if total == 0:
            raise ValueError("ratios must not all be zero")
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        shares = [amount * r // total for r in ratios]
        remainders = [amount * r % total for r in ratios]
        leftover = amount - sum(shares)
        order = sorted(range(len(ratios)), key=lambda i: (-remainders[i], i))
        for i in order[:leftover]:
            shares[i] += 1
        return [Money(sign * s, self.currency) for s in shares]

    def split(self, parts: int) -> list[Money]:
        """Split into `parts` near-equal amounts (earlier parts carry the extra minor units)."""
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise ValueError("parts must be a positive int")
        return self.allocate([1] * parts)


def money_sum(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts of one currency; an empty iterable gives zero of `currency`."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total
