from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from settle.core.money import (
    ROUND_HALF_UP,
    CurrencyMismatch,
    InexactAmount,
    Money,
    UnknownCurrency,
    minor_exponent,
    money_sum,
)


def test_minor_unit_exponents_come_from_iso_4217_data():
    assert (minor_exponent("JPY"), minor_exponent("PLN"), minor_exponent("KWD")) == (0, 2, 3)


def test_from_decimal_is_exact_per_currency():
    assert Money.from_decimal("12.34", "PLN") == Money(1234, "PLN")
    assert Money.from_decimal("1200", "JPY") == Money(1200, "JPY")
    assert Money.from_decimal("1.234", "KWD") == Money(1234, "KWD")


def test_implicit_rounding_raises_and_named_rounding_rounds():
    with pytest.raises(InexactAmount):
        Money.from_decimal("12.345", "PLN")
    assert Money.from_decimal("12.345", "PLN", rounding=ROUND_HALF_UP) == Money(1235, "PLN")
    with pytest.raises(InexactAmount):
        Money.from_decimal("10.5", "JPY")


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        Money(12.5, "PLN")
    with pytest.raises(TypeError):
        Money.from_decimal(12.5, "PLN")
    with pytest.raises(TypeError):
        Money(100, "PLN") * 1.5
    with pytest.raises(TypeError):
        Money(100, "PLN").multiply(0.1, rounding=ROUND_HALF_UP)
    with pytest.raises(TypeError):
        Money(100, "PLN") / 3


def test_mixing_currencies_raises():
    with pytest.raises(CurrencyMismatch):
        Money(100, "PLN") + Money(100, "EUR")
    with pytest.raises(CurrencyMismatch):
        assert Money(100, "PLN") < Money(100, "EUR")


def test_unknown_currency_raises():
    with pytest.raises(UnknownCurrency):
        Money(100, "XYZ")
    with pytest.raises(UnknownCurrency):
        Money(100, "pl")


def test_lowercase_code_is_normalised_and_money_is_immutable():
    m = Money(100, "pln")
    assert m.currency == "PLN"
    with pytest.raises(AttributeError):
        m.minor = 5


def test_multiply_names_its_rounding():
    assert Money(1001, "PLN").multiply(Decimal("0.5"), rounding=ROUND_HALF_UP) == Money(501, "PLN")


def test_split_and_allocate_never_lose_a_unit():
    assert Money(100, "PLN").split(3) == [Money(34, "PLN"), Money(33, "PLN"), Money(33, "PLN")]
    assert Money(-100, "PLN").split(3) == [Money(-34, "PLN"), Money(-33, "PLN"), Money(-33, "PLN")]
    assert Money(5, "JPY").allocate([1, 1, 1, 1]) == [Money(2, "JPY"), Money(1, "JPY"), Money(1, "JPY"),
                                                     Money(1, "JPY")]  # fmt: skip


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=24).filter(any),
)
def test_allocation_sums_to_the_whole(minor, ratios):
    parts = Money(minor, "EUR").allocate(ratios)
    assert money_sum(parts, "EUR") == Money(minor, "EUR")
    assert len(parts) == len(ratios)


def test_format_in_debtor_locale():
    assert Money(123450, "PLN").format("pl") == "1\xa0234,50\xa0zł"
    assert Money(123450, "EUR").format("de") == "1.234,50\xa0€"
    assert Money(500, "JPY").format("en") == "¥500"
