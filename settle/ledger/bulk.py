"""Bulk writes to the ledger for imports: a chunk of receivables in a handful of set-based statements.

The ledger owns these writes so its rules hold for a million rows as they do for one (`receivable_create`):
each new receivable gets exactly one charge entry for its amount, its cached balance equals that entry, the
customer's open case is re-checked, and existing customer credit pays the new debt. Rows whose
(merchant, source, external_id) exists are not written again — imports are idempotent — and a row that
contradicts the stored receivable (other amount, currency or customer) is reported, never applied: a
recorded debt changes only through new entries.

On PostgreSQL a chunk goes: COPY into a temp staging table → one INSERT … ON CONFLICT DO NOTHING RETURNING
that feeds, in the same statement, the charge entries and the case touch. Elsewhere (SQLite, embedded mode)
the same outcome comes from bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from settle.cases.models import Case
from settle.customers.models import Customer
from settle.merchants.models import Merchant

from .models import EntryKind, LedgerEntry, Payment, Receivable, ReceivableStatus
from .services import _apply_credit, _balance_changed

# The order of a validated receivable row (a tuple, for speed). issued_at None means "at".
RECEIVABLE_FIELDS = (
    "row_no", "external_id", "customer_id", "currency", "amount_minor", "issued_at", "due_date", "number",
    "terms", "description",
)  # fmt: skip


@dataclass
class BulkResult:
    created: int = 0
    existing: int = 0
    # (row_no, column, reason) for rows that contradict what is stored.
    conflicts: list[tuple[int, str, str]] = field(default_factory=list)


_STAGE = "settle_stage_receivable"
_STAGE_DDL = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (
    row_no bigint, external_id text, customer_id bigint, currency text, amount_minor bigint,
    issued_at timestamptz, due_date date, number text, terms text, description text
)"""
_INSERT = f"""
WITH ins AS (
    INSERT INTO ledger_receivable (merchant_id, customer_id, source, external_id, number, currency,
        amount_minor, balance_minor, issued_at, due_date, terms, description, status, created_at)
    SELECT %(merchant)s, customer_id, %(source)s, external_id, COALESCE(NULLIF(number, ''), external_id),
        currency, amount_minor, amount_minor, COALESCE(issued_at, %(at)s), due_date, terms, description,
        'open', %(at)s
    FROM {_STAGE}
    ON CONFLICT (merchant_id, source, external_id) DO NOTHING
    RETURNING id, customer_id, currency, amount_minor, issued_at
), charges AS (
    INSERT INTO ledger_ledgerentry (merchant_id, customer_id, receivable_id, kind, currency, amount_minor,
        effective_at, memo, source_ref, created_at)
    SELECT %(merchant)s, customer_id, id, 'charge', currency, amount_minor, issued_at, '', %(source_ref)s,
        %(at)s
    FROM ins
), owed AS (
    SELECT DISTINCT customer_id, currency FROM ins
), touched AS (
    UPDATE cases_case c SET next_check_at = %(at)s
    FROM owed WHERE c.customer_id = owed.customer_id AND c.currency = owed.currency
        AND c.closed_at IS NULL AND c.merchant_id = %(merchant)s
)
SELECT (SELECT count(*) FROM ins),
    (SELECT array_agg(DISTINCT p.customer_id::text || ' ' || p.currency) FROM ledger_payment p
     JOIN owed ON p.customer_id = owed.customer_id AND p.currency = owed.currency
     WHERE p.merchant_id = %(merchant)s AND p.unallocated_minor > 0)
"""
_CONFLICTS = f"""
SELECT s.row_no, r.customer_id <> s.customer_id, r.currency <> s.currency, r.amount_minor, r.currency
FROM {_STAGE} s JOIN ledger_receivable r
    ON r.merchant_id = %(merchant)s AND r.source = %(source)s AND r.external_id = s.external_id
WHERE r.customer_id <> s.customer_id OR r.currency <> s.currency OR r.amount_minor <> s.amount_minor
ORDER BY s.row_no
"""


def receivables_bulk_create(
    *, merchant: Merchant, source: str, rows: Sequence[tuple], at: datetime, source_ref: str = ""
) -> BulkResult:
    """Record the receivables of `rows` (tuples in RECEIVABLE_FIELDS order, customers already resolved to
    this merchant's ids) that are new, with their charge entries; one transaction."""
    if not rows:
        return BulkResult()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            result, credit_pairs = _create_postgresql(merchant, source, rows, at, source_ref)
        else:
            result, credit_pairs = _create_generic(merchant, source, rows, at, source_ref)
        # Customer credit is rare at import time; where it exists the ledger's own allocation applies it.
        for customer_id, currency in sorted(credit_pairs):
            customer = Customer.objects.select_related("merchant").get(pk=customer_id, merchant=merchant)
            _apply_credit(customer=customer, currency=currency, at=at)
            _balance_changed(customer, currency, at)
    return result


def _conflict(row_no: int, other_customer: bool, other_currency: bool, minor: int, currency: str):
    if other_customer:
        return (row_no, "customer_external_id", "this external id belongs to another customer's receivable")
    if other_currency:
        return (row_no, "currency", f"the stored receivable with this external id is in {currency}")
    return (row_no, "amount", f"the stored receivable with this external id has amount {minor} minor units; "
            "an import never rewrites a recorded debt (use a credit note or an adjustment)")  # fmt: skip


def _create_postgresql(merchant, source, rows, at, source_ref):
    params = {"merchant": merchant.pk, "source": source, "at": at, "source_ref": source_ref}
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.copy(f"COPY {_STAGE} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_INSERT, params)
        created, credit = cursor.fetchone()
        conflicts = []
        if created < len(rows):  # a fresh file never pays for this join
            cursor.execute(_CONFLICTS, params)
            conflicts = [_conflict(*r) for r in cursor.fetchall()]
    pairs = {(int(c), cur) for c, cur in (item.split(" ") for item in credit or ())}
    return BulkResult(created, len(rows) - created - len(conflicts), conflicts), pairs


def _create_generic(merchant, source, rows, at, source_ref):
    """The embedded (SQLite) path: the same outcome through the ORM."""
    stored: dict[str, tuple[int, str, int]] = {}
    ids = list({r[1] for r in rows})
    for start in range(0, len(ids), 500):
        stored.update(
            (ext, (cid, cur, minor))
            for ext, cid, cur, minor in Receivable.objects.filter(
                merchant=merchant, source=source, external_id__in=ids[start : start + 500]
            ).values_list("external_id", "customer_id", "currency", "amount_minor")
        )
    fresh, conflicts, existing = [], [], 0
    for r in rows:
        row_no, ext, customer_id, currency, minor = r[:5]
        if ext in stored:
            s_customer, s_currency, s_minor = stored[ext]
            if (s_customer, s_currency, s_minor) == (customer_id, currency, minor):
                existing += 1
            else:
                conflicts.append(_conflict(row_no, s_customer != customer_id, s_currency != currency, s_minor,
                                           s_currency))  # fmt: skip
            continue
        stored[ext] = (customer_id, currency, minor)
        fresh.append(r)
    receivables = Receivable.objects.bulk_create(
        [
            Receivable(
                merchant=merchant, customer_id=r[2], source=source, external_id=r[1], number=r[7] or r[1],
                currency=r[3], amount_minor=r[4], balance_minor=r[4], issued_at=r[5] or at, due_date=r[6],
                terms=r[8], description=r[9], status=ReceivableStatus.OPEN,
            )
            for r in fresh
        ],
        batch_size=500,
    )  # fmt: skip
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                merchant=merchant,
                customer_id=rec.customer_id,
                receivable_id=rec.pk,
                kind=EntryKind.CHARGE,
                currency=rec.currency,
                amount_minor=rec.amount_minor,
                effective_at=rec.issued_at,
                source_ref=source_ref,
            )  # fmt: skip
            for rec in receivables
        ],
        batch_size=500,
    )
    owed = {(rec.customer_id, rec.currency) for rec in receivables}
    customer_ids = sorted({c for c, _cur in owed})
    for start in range(0, len(customer_ids), 500):
        batch = customer_ids[start : start + 500]
        for case_id, customer_id, currency in Case.objects.filter(
            merchant=merchant, customer_id__in=batch, closed_at__isnull=True
        ).values_list("id", "customer_id", "currency"):
            if (customer_id, currency) in owed:
                Case.objects.filter(pk=case_id).update(next_check_at=at)
    credit = set()
    for start in range(0, len(customer_ids), 500):
        credit.update(
            pair
            for pair in Payment.objects.filter(
                merchant=merchant, customer_id__in=customer_ids[start : start + 500], unallocated_minor__gt=0
            ).values_list("customer_id", "currency")
            if pair in owed
        )
    return BulkResult(len(receivables), existing, conflicts), credit
