"""Bulk writes of customers for imports: thousands of rows per statement, same rules as `customer_create`.

Rows arrive validated (see `settle.imports.rows`). Existing customers — same (merchant, source,
external_id) — are left as they are, so importing a file twice creates nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, transaction

from settle.merchants.models import Merchant

from .models import ContactKind, ContactPoint, Customer

# The order of a validated customer row (a tuple, for speed).
CUSTOMER_FIELDS = (
    "row_no", "external_id", "kind", "name", "company_name", "tax_id", "country", "region", "city", "timezone",
    "locale", "orders_count", "first_order_at", "email", "phone",
)  # fmt: skip

_STAGE = "settle_stage_customer"
_STAGE_DDL = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (
    row_no bigint, external_id text, kind text, name text, company_name text, tax_id text, country text,
    region text, city text, timezone text, locale text, orders_count integer, first_order_at timestamptz,
    email text, phone text
)"""
_INSERT = f"""
WITH ins AS (
    INSERT INTO customers_customer (merchant_id, source, external_id, kind, name, company_name, tax_id, country,
        region, city, timezone, locale, preferred_channel, orders_count, first_order_at, created_at, updated_at)
    SELECT %(merchant)s, %(source)s, external_id, kind, name, company_name, tax_id, country, region, city,
        timezone, locale, '', orders_count, first_order_at, %(at)s, %(at)s
    FROM {_STAGE}
    ON CONFLICT (merchant_id, source, external_id) WHERE external_id <> '' DO NOTHING
    RETURNING id, external_id
), points AS (
    INSERT INTO customers_contactpoint (merchant_id, customer_id, kind, value, label, is_primary, verified,
        last_error, created_at)
    SELECT %(merchant)s, ins.id, p.kind, p.value, '', true, false, '', %(at)s
    FROM ins JOIN {_STAGE} s ON s.external_id = ins.external_id
    CROSS JOIN LATERAL (VALUES ('email', s.email), ('phone', s.phone)) AS p(kind, value)
    WHERE p.value <> ''
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM ins
"""


def customer_ids_by_external_id(
    *, merchant: Merchant, source: str, external_ids: Iterable[str]
) -> dict[str, int]:
    """Map external ids to customer ids for one merchant and source (unknown ids are simply absent)."""
    ids = list(set(external_ids))
    found: dict[str, int] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT external_id, id FROM customers_customer WHERE merchant_id = %s AND source = %s "
                "AND external_id = ANY(%s)",
                [merchant.pk, source, ids],
            )
            found.update(cursor.fetchall())
        return found
    for start in range(0, len(ids), 500):  # SQLite caps the number of bound parameters
        found.update(
            Customer.objects.filter(
                merchant=merchant, source=source, external_id__in=ids[start : start + 500]
            ).values_list("external_id", "id")
        )
    return found


def customers_bulk_create(*, merchant: Merchant, source: str, rows: Sequence[tuple], at: datetime) -> int:
    """Create the customers of `rows` (tuples in CUSTOMER_FIELDS order, distinct external ids) that do not
    exist yet, each with its primary email and phone; returns how many were created. One transaction."""
    if not rows:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _create_postgresql(merchant, source, rows, at)
        return _create_generic(merchant, source, rows, at)


def _create_postgresql(merchant: Merchant, source: str, rows: Sequence[tuple], at: datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.copy(f"COPY {_STAGE} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_INSERT, {"merchant": merchant.pk, "source": source, "at": at})
        return cursor.fetchone()[0]


def _create_generic(merchant: Merchant, source: str, rows: Sequence[tuple], at: datetime) -> int:
    """The embedded (SQLite) path: same outcome through the ORM's bulk_create."""
    existing = set(
        customer_ids_by_external_id(merchant=merchant, source=source, external_ids=(r[1] for r in rows))
    )
    fresh = [r for r in rows if r[1] not in existing]
    customers = Customer.objects.bulk_create(
        [
            Customer(
                merchant=merchant, source=source, external_id=r[1], kind=r[2], name=r[3], company_name=r[4],
                tax_id=r[5], country=r[6], region=r[7], city=r[8], timezone=r[9], locale=r[10],
                orders_count=r[11], first_order_at=r[12],
            )
            for r in fresh
        ],
        batch_size=500,
    )  # fmt: skip
    points = []
    for customer, r in zip(customers, fresh, strict=True):
        for kind, value in ((ContactKind.EMAIL, r[13]), (ContactKind.PHONE, r[14])):
            if value:
                points.append(ContactPoint(merchant=merchant, customer_id=customer.pk, kind=kind, value=value,
                                           is_primary=True))  # fmt: skip
    ContactPoint.objects.bulk_create(points, batch_size=500)
    return len(customers)
