"""Per-kind row parsing: a CSV row (list of cells) → a validated tuple for the bulk writers, or CellErrors.

The happy path parses a row in one go; only a bad row pays for the second, careful pass that names every
bad cell, so the report lists all that is wrong with a row at once.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache

from babel import Locale
from babel.numbers import list_currencies

from settle.core.money import minor_exponent
from settle.customers.models import CustomerKind
from settle.customers.validation import (
    FieldError,
    clean_email,
    clean_locale,
    clean_phone,
    clean_timezone,
    default_timezone_for,
)

from .columns import CellError, parse_amount, parse_date, parse_datetime, parse_text


@cache
def currency_exponents() -> dict[str, int]:
    """Every ISO 4217 code with its minor-unit exponent, computed once per process."""
    return {code: minor_exponent(code) for code in list_currencies()}


@cache
def _countries() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


class RowParser:
    """Turns the cells of one kind of file into tuples; `parse(cells, row_no)` raises CellError on the
    first bad cell, `errors(cells)` lists every bad cell of a row."""

    def __init__(self, columns: list[str], tz: zoneinfo.ZoneInfo) -> None:
        self.columns = columns
        self.index = {name: i for i, name in enumerate(columns)}
        self.tz = tz
        self.exponents = currency_exponents()

    def cell(self, cells: list[str], name: str) -> str:
        i = self.index.get(name)
        return cells[i] if i is not None else ""

    def parse(self, cells: list[str], row_no: int) -> tuple:
        raise NotImplementedError

    def errors(self, cells: list[str]) -> list[CellError]:
        """Every bad cell of a row, by running each column's check on its own."""
        found = []
        for check in self.checks():
            try:
                check(cells)
            except CellError as exc:
                found.append(exc)
            except FieldError as exc:
                found.append(CellError(exc.field, exc.reason))
        return found

    def checks(self) -> list[Callable]:
        raise NotImplementedError

    # shared cells
    def external_id(self, cells, name="external_id"):
        return parse_text(self.cell(cells, name), name, 100, required=True)

    def currency(self, cells):
        code = self.cell(cells, "currency").strip().upper()
        if code not in self.exponents:
            raise CellError(
                "currency", f"unknown currency {self.cell(cells, 'currency')!r}: expected ISO 4217 like PLN"
            )
        return code

    def amount(self, cells, currency):
        return parse_amount(self.cell(cells, "amount"), self.exponents[currency])


class ReceivableParser(RowParser):
    """→ (row_no, external_id, customer_external_id, currency, amount_minor, issued_at|None, due_date, number,
    terms, description); the bulk writer gets customer ids in place of customer external ids."""

    def parse(self, cells, row_no):
        # Inlined on purpose: this runs a million times per big file. `errors()` explains any failure.
        i = self.index
        ext = cells[i["external_id"]].strip()
        customer = cells[i["customer_external_id"]].strip()
        currency = cells[i["currency"]].strip().upper()
        exponent = self.exponents.get(currency)
        if not ext or not customer or len(ext) > 100 or len(customer) > 100 or exponent is None:
            raise CellError("(row)", "see errors()")
        issued = cells[i["issued_at"]].strip() if "issued_at" in i else ""
        return (
            row_no,
            ext,
            customer,
            currency,
            parse_amount(cells[i["amount"]], exponent),
            parse_datetime(issued, "issued_at", self.tz) if issued else None,
            parse_date(cells[i["due_date"]], "due_date"),
            parse_text(cells[i["number"]], "number", 100) if "number" in i else "",
            parse_text(cells[i["terms"]], "terms", 50) if "terms" in i else "",
            parse_text(cells[i["description"]], "description", 500) if "description" in i else "",
        )

    def checks(self):
        def amount(cells):
            try:
                exponent = self.exponents[self.currency(cells)]
            except CellError:
                exponent = 3  # the currency's own error is reported; still say if the amount is junk
            parse_amount(self.cell(cells, "amount"), exponent)

        def issued(cells):
            if self.cell(cells, "issued_at").strip():
                parse_datetime(self.cell(cells, "issued_at"), "issued_at", self.tz)

        return [
            self.external_id,
            lambda c: self.external_id(c, "customer_external_id"),
            self.currency,
            amount,
            issued,
            lambda c: parse_date(self.cell(c, "due_date"), "due_date"),
            lambda c: parse_text(self.cell(c, "number"), "number", 100),
            lambda c: parse_text(self.cell(c, "terms"), "terms", 50),
            lambda c: parse_text(self.cell(c, "description"), "description", 500),
        ]


class PaymentParser(RowParser):
    """→ (row_no, external_id, customer_external_id, currency, amount_minor, received_at, method,
    receivable_external_id)."""

    def parse(self, cells, row_no):
        currency = self.currency(cells)
        return (
            row_no,
            self.external_id(cells),
            self.external_id(cells, "customer_external_id"),
            currency,
            self.amount(cells, currency),
            parse_datetime(self.cell(cells, "received_at"), "received_at", self.tz),
            parse_text(self.cell(cells, "method"), "method", 50),
            parse_text(self.cell(cells, "receivable_external_id"), "receivable_external_id", 100),
        )

    def checks(self):
        def amount(cells):
            try:
                exponent = self.exponents[self.currency(cells)]
            except CellError:
                exponent = 3
            parse_amount(self.cell(cells, "amount"), exponent)

        return [
            self.external_id,
            lambda c: self.external_id(c, "customer_external_id"),
            self.currency,
            amount,
            lambda c: parse_datetime(self.cell(c, "received_at"), "received_at", self.tz),
            lambda c: parse_text(self.cell(c, "method"), "method", 50),
            lambda c: parse_text(self.cell(c, "receivable_external_id"), "receivable_external_id", 100),
        ]


class CustomerParser(RowParser):
    """→ a tuple in `settle.customers.bulk.CUSTOMER_FIELDS` order, validated like `customer_create`."""

    def kind(self, cells):
        kind = self.cell(cells, "kind").strip().lower() or CustomerKind.CONSUMER
        if kind not in CustomerKind.values:
            raise CellError("kind", f"must be one of {', '.join(CustomerKind.values)}")
        return kind

    def country(self, cells):
        code = self.cell(cells, "country").strip().upper()
        if code and code not in _countries():
            raise CellError("country", f"unknown country code {code!r}: expected ISO 3166-1 alpha-2 like PL")
        return code

    def timezone(self, cells):
        value = self.cell(cells, "timezone").strip()
        if value:
            return clean_timezone(value)
        country = self.country(cells)
        return default_timezone_for(country) if country else str(self.tz)

    def locale(self, cells):
        value = self.cell(cells, "locale").strip()
        return clean_locale(value) if value else "en"

    def orders_count(self, cells):
        value = self.cell(cells, "orders_count").strip()
        if not value:
            return 0
        if not value.isdigit() or len(value) > 9:
            raise CellError("orders_count", f"not a whole number of orders {value!r}")
        return int(value)

    def first_order_at(self, cells):
        value = self.cell(cells, "first_order_at").strip()
        return parse_datetime(value, "first_order_at", self.tz) if value else None

    def email(self, cells):
        value = self.cell(cells, "email").strip()
        return clean_email(value) if value else ""

    def phone(self, cells):
        value = self.cell(cells, "phone").strip()
        return clean_phone(value, self.country(cells)) if value else ""

    def parse(self, cells, row_no):
        try:
            return (
                row_no,
                self.external_id(cells),
                self.kind(cells),
                parse_text(self.cell(cells, "name"), "name", 200, required=True),
                parse_text(self.cell(cells, "company_name"), "company_name", 200),
                parse_text(self.cell(cells, "tax_id"), "tax_id", 50),
                self.country(cells),
                parse_text(self.cell(cells, "region"), "region", 10).upper(),
                parse_text(self.cell(cells, "city"), "city", 100),
                self.timezone(cells),
                self.locale(cells),
                self.orders_count(cells),
                self.first_order_at(cells),
                self.email(cells),
                self.phone(cells),
            )
        except FieldError as exc:
            raise CellError(exc.field, exc.reason) from None

    def checks(self):
        return [
            self.external_id,
            self.kind,
            lambda c: parse_text(self.cell(c, "name"), "name", 200, required=True),
            lambda c: parse_text(self.cell(c, "company_name"), "company_name", 200),
            lambda c: parse_text(self.cell(c, "tax_id"), "tax_id", 50),
            self.country,
            lambda c: parse_text(self.cell(c, "region"), "region", 10),
            lambda c: parse_text(self.cell(c, "city"), "city", 100),
            self.timezone,
            self.locale,
            self.orders_count,
            self.first_order_at,
            self.email,
            self.phone,
        ]


PARSERS = {"customers": CustomerParser, "receivables": ReceivableParser, "payments": PaymentParser}
