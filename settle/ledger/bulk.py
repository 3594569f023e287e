"""Bulk writes to the ledger for imports: a chunk of receivables in a handful of set-based statements.

The ledger owns these writes so its rules hold for a million rows as they do for one (`receivable_create`):
each new receivable gets exactly one charge entry for its amount, its cached balance equals that entry, the
customer's open case is re-checked, and existing customer credit pays the new debt. Rows whose
(merchant, source, external_id) exists are not written again — imports are idempotent — and a row that
contradicts the stored receivable (other amount, currency or customer) is reported, never applied: a
recorded debt changes only through new entries.

On PostgreSQL a chunk costs a few statements whatever its size: one lookup of the external ids already
stored, ids drawn from the sequence, COPY of the receivables and COPY of their charge entries, one UPDATE of
the open cases. Should another writer store one of the same external ids meanwhile, the unique index refuses
the COPY and the chunk is redone through a staging table with INSERT … ON CONFLICT DO NOTHING. Elsewhere
(SQLite, embedded mode) the same outcome comes from bulk_create.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from settle.cases.models import Case
from settle.cases.services import cases_open_missing
from settle.customers.models import Customer
from settle.merchants.models import Merchant

from .models import EntryKind, LedgerEntry, Payment, Receivable, ReceivableStatus
from .services import LedgerError, _apply_credit, _balance_changed

# The order of a validated receivable row (a tuple, for speed). issued_at None means "at". A row may carry an
# 11th element, its own source_ref for the charge entry (a webhook batch: the event each row came from).
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
    issued_at timestamptz, due_date date, number text, terms text, description text, source_ref text
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
    RETURNING id, external_id, customer_id, currency, amount_minor, issued_at
), charges AS (
    INSERT INTO ledger_ledgerentry (merchant_id, customer_id, receivable_id, kind, currency, amount_minor,
        effective_at, memo, source_ref, created_at)
    SELECT %(merchant)s, ins.customer_id, ins.id, 'charge', ins.currency, ins.amount_minor, ins.issued_at, '',
        COALESCE(s.source_ref, %(source_ref)s), %(at)s
    FROM ins JOIN {_STAGE} s ON s.external_id = ins.external_id
)
SELECT count(*) FROM ins
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
        stored = _stored(merchant, source, {r[1] for r in rows})
        fresh, existing, conflicts = _classify(rows, stored)
        if connection.vendor == "postgresql":
            # In customer order: the indexes that lead with the customer and the foreign-key checks of the
            # customers then touch each page once, in order, instead of at random (measured: the charge
            # entries' COPY takes about half as long). Which row wins a repeated external id is already settled.
            fresh.sort(key=_by_customer)
            created, fk_checked = _create_postgresql(merchant, source, fresh, at, source_ref)
            if created < len(fresh):  # another writer stored some of them meanwhile: ask the database why
                late = _late_conflicts(merchant, source)
                conflicts.extend(late)
                existing += len(fresh) - created - len(late)
            owed = _owed(merchant, source, fresh) if created < len(fresh) else {(r[2], r[3]) for r in fresh}
        else:
            _create_generic(merchant, source, fresh, at, source_ref)
            created, owed = len(fresh), {(r[2], r[3]) for r in fresh}
            fk_checked = False
        credit_pairs = _touch_cases_and_find_credit(merchant, owed, at, fk_checked=fk_checked)
        # Customer credit is rare at import time; where it exists the ledger's own allocation applies it.
        for customer_id, currency in sorted(credit_pairs):
            customer = Customer.objects.select_related("merchant").get(pk=customer_id, merchant=merchant)
            _apply_credit(customer=customer, currency=currency, at=at)
            _balance_changed(customer, currency, at)
    conflicts.sort()
    return BulkResult(created, existing, conflicts)


def _by_customer(row: tuple) -> tuple:
    return row[2], row[3]


def _conflict(row_no: int, other_customer: bool, other_currency: bool, minor: int, currency: str):
    if other_customer:
        return (row_no, "customer_external_id", "this external id belongs to another customer's receivable")
    if other_currency:
        return (row_no, "currency", f"the stored receivable with this external id is in {currency}")
    return (row_no, "amount", f"the stored receivable with this external id has amount {minor} minor units; "
            "an import never rewrites a recorded debt (use a credit note or an adjustment)")  # fmt: skip


def _stored(merchant, source, external_ids: set[str]) -> dict[str, tuple[int, str, int]]:
    """(customer_id, currency, amount_minor) of the receivables that already carry these external ids."""
    ids = list(external_ids)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT external_id, customer_id, currency, amount_minor FROM ledger_receivable "
                "WHERE merchant_id = %s AND source = %s AND external_id = ANY(%s)",
                [merchant.pk, source, ids],
            )
            return {ext: (cid, cur, minor) for ext, cid, cur, minor in cursor.fetchall()}
    stored = {}
    for start in range(0, len(ids), 500):  # SQLite caps the number of bound parameters
        stored.update(
            (ext, (cid, cur, minor))
            for ext, cid, cur, minor in Receivable.objects.filter(
                merchant=merchant, source=source, external_id__in=ids[start : start + 500]
            ).values_list("external_id", "customer_id", "currency", "amount_minor")
        )
    return stored


def _classify(rows, stored):
    """Split rows into new ones, ones already stored alike (idempotent re-import), and contradictions.
    The first row with an external id wins; a later one in the same file is judged against it."""
    fresh, conflicts, existing = [], [], 0
    first: dict[str, tuple] = {}  # external id → the chunk's first row with it (no copy of the values)
    for r in rows:
        row_no, ext, customer_id, currency, minor = r[:5]
        known = stored.get(ext)
        if known is None:
            earlier = first.get(ext)
            if earlier is None:
                first[ext] = r
                fresh.append(r)
                continue
            known = earlier[2:5]
        if known == (customer_id, currency, minor):
            existing += 1
        else:
            conflicts.append(
                _conflict(row_no, known[0] != customer_id, known[1] != currency, known[2], known[1])
            )
    return fresh, existing, conflicts


def _create_postgresql(merchant, source, rows, at, source_ref) -> tuple[int, bool]:
    """COPY straight into the tables with ids drawn from the sequence first, so the charge entries can be
    COPYed too. If another writer stored one of the external ids in between, the unique index refuses the
    COPY; the chunk then goes through the staging table and INSERT … ON CONFLICT DO NOTHING instead.

    Returns (rows created, whether the foreign keys were checked set-based and per-row checks are still off:
    then the caller opens the cases under the same checks and turns the per-row checks back on)."""
    if not rows:
        return 0, False
    ref = _esc(source_ref)
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('ledger_receivable', 'id')) FROM generate_series(1, %s)",
                    [len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
                m, default_at = merchant.pk, at.isoformat()
                set_based = _set_based_fk_checks(cursor, merchant, rows)
                with cursor.copy(
                    "COPY ledger_receivable (id, merchant_id, customer_id, source, external_id, number, currency, "
                    "amount_minor, balance_minor, issued_at, due_date, terms, description, status, created_at) "
                    "FROM STDIN"
                ) as copy:
                    for start in range(0, len(rows), _COPY_BATCH):
                        lines = []
                        for pk, r in zip(
                            ids[start : start + _COPY_BATCH], rows[start : start + _COPY_BATCH], strict=True
                        ):
                            ext = _esc(r[1])
                            issued = r[5].isoformat() if r[5] is not None else default_at
                            lines.append(
                                f"{pk}\t{m}\t{r[2]}\t{source}\t{ext}\t{_esc(r[7]) if r[7] else ext}\t{r[3]}\t{r[4]}\t"
                                f"{r[4]}\t{issued}\t{r[6].isoformat()}\t{_esc(r[8])}\t{_esc(r[9])}\topen\t{default_at}\n"
                            )
                        copy.write("".join(lines))
                with cursor.copy(
                    "COPY ledger_ledgerentry (merchant_id, customer_id, receivable_id, kind, currency, amount_minor, "
                    "effective_at, memo, source_ref, created_at) FROM STDIN"
                ) as copy:
                    for start in range(0, len(rows), _COPY_BATCH):
                        copy.write(
                            "".join(
                                f"{m}\t{r[2]}\t{pk}\tcharge\t{r[3]}\t{r[4]}\t"
                                f"{r[5].isoformat() if r[5] is not None else default_at}\t\t"
                                f"{_esc(r[10]) if len(r) > 10 else ref}\t{default_at}\n"
                                for pk, r in zip(
                                    ids[start : start + _COPY_BATCH],
                                    rows[start : start + _COPY_BATCH],
                                    strict=True,
                                )
                            )
                        )
            return len(rows), set_based
        except (IntegrityError, psycopg.errors.UniqueViolation):
            pass
        params = {"merchant": merchant.pk, "source": source, "at": at, "source_ref": source_ref}
        cursor.execute(_STAGE_DDL)
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.copy(f"COPY {_STAGE} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row if len(row) > 10 else (*row, None))
        cursor.execute(_INSERT, params)
        return cursor.fetchone()[0], False  # the failed savepoint took the SET LOCAL with it


_COPY_BATCH = 5000  # rows formatted per write: bounded memory, few calls
_SPECIAL = re.compile(r"[\\\t\n\r]")


def _esc(text: str) -> str:
    """Escape a value for COPY's text format; the common case (nothing to escape) costs one regex scan."""
    if _SPECIAL.search(text) is None:
        return text
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _set_based_fk_checks(cursor, merchant, rows) -> bool:
    """Opt-in (settings.SETTLE_IMPORT_SET_BASED_FK_CHECKS): check the chunk's foreign keys once, set-based,
    instead of PostgreSQL's per-row checks at commit, which are ~40% of a chunk's cost.

    The per-row check locks each referenced row FOR KEY SHARE and fails if it is missing; here the same locks
    are taken in two statements (the merchant, the chunk's distinct customers — which must all be this
    merchant's), and the COPYs and the opening of the chunk's cases then run with
    `session_replication_role = replica`, which skips the per-row triggers for those three statements only:
    receivable ids are drawn in this transaction, cases are those customers' and their events reference the
    cases just inserted, so every referenced row exists and is locked. `_touch_cases_and_find_credit` turns
    the checks back on right after. Only INSERTs run meanwhile, so the append-only trigger (UPDATE/DELETE)
    guards as before. Needs a role
    that may set session_replication_role (a superuser, or GRANT SET ON PARAMETER on PostgreSQL 15+).
    """
    if not getattr(settings, "SETTLE_IMPORT_SET_BASED_FK_CHECKS", False):
        return False
    customer_ids = list({r[2] for r in rows})
    cursor.execute("SELECT 1 FROM merchants_merchant WHERE id = %s FOR KEY SHARE", [merchant.pk])
    cursor.execute(
        # A join on unnest() probes the primary key once per id; `id = ANY(array)` may scan the merchant's rows.
        "SELECT count(*) FROM (SELECT 1 FROM unnest(%s::bigint[]) AS wanted(id) JOIN customers_customer c "
        "ON c.id = wanted.id WHERE c.merchant_id = %s FOR KEY SHARE OF c) AS locked",
        [customer_ids, merchant.pk],
    )
    if cursor.fetchone()[0] != len(customer_ids):
        raise LedgerError("customer_id", "no such customer")
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _late_conflicts(merchant, source):
    with connection.cursor() as cursor:
        cursor.execute(_CONFLICTS, {"merchant": merchant.pk, "source": source})
        return [_conflict(*r) for r in cursor.fetchall()]


def _owed(merchant, source, rows):
    stored = _stored(merchant, source, {r[1] for r in rows})
    return {(cid, cur) for cid, cur, _minor in stored.values()}


def _touch_cases_and_find_credit(
    merchant, owed: set[tuple[int, str]], at, *, fk_checked: bool = False
) -> set[tuple[int, str]]:
    """Re-check now the open cases whose debt grew; return the (customer, currency) pairs with credit.
    `fk_checked`: the chunk's customers were checked and locked set-based and per-row checks are still off
    (see `_set_based_fk_checks`); they are turned back on once the cases are opened."""
    if not owed:
        return set()
    cases_open_missing(merchant=merchant, pairs=owed, at=at)  # customers without an open case get one
    if fk_checked:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
    customer_ids = sorted({c for c, _cur in owed})
    if connection.vendor == "postgresql":
        pairs = sorted(owed)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case c SET next_check_at = %s FROM unnest(%s::bigint[], %s::text[]) AS o(cid, cur) "
                "WHERE c.merchant_id = %s AND c.closed_at IS NULL AND c.customer_id = o.cid AND c.currency = o.cur "
                # Only cases checked later than `at` (or not scheduled): a case already due at or before `at`
                # is claimed by the engine's next tick anyway (`next_check_at <= now`), and moving it to `at`
                # would only postpone it. That also skips the cases this import opened in earlier chunks —
                # at a million rows, most of the customers' cases — which otherwise cost a new row version
                # and index entries each, per chunk.
                "AND (c.next_check_at IS NULL OR c.next_check_at > %s)",
                [at, [p[0] for p in pairs], [p[1] for p in pairs], merchant.pk, at],
            )
            cursor.execute(
                "SELECT DISTINCT customer_id, currency FROM ledger_payment WHERE merchant_id = %s "
                "AND unallocated_minor > 0 AND customer_id = ANY(%s)",
                [merchant.pk, customer_ids],
            )
            return {pair for pair in cursor.fetchall() if pair in owed}
    credit = set()
    for start in range(0, len(customer_ids), 500):
        batch = customer_ids[start : start + 500]
        for case_id, customer_id, currency in Case.objects.filter(
            merchant=merchant, customer_id__in=batch, closed_at__isnull=True
        ).values_list("id", "customer_id", "currency"):
            if (customer_id, currency) in owed:
                Case.objects.filter(
                    Q(next_check_at__isnull=True) | Q(next_check_at__gt=at), pk=case_id
                ).update(next_check_at=at)
        credit.update(
            pair
            for pair in Payment.objects.filter(
                merchant=merchant, customer_id__in=batch, unallocated_minor__gt=0
            ).values_list("customer_id", "currency")
            if pair in owed
        )
    return credit


def _create_generic(merchant, source, rows, at, source_ref) -> None:
    """The embedded (SQLite) path: the same rows through the ORM's bulk_create."""
    refs = {r[1]: r[10] for r in rows if len(r) > 10}
    receivables = Receivable.objects.bulk_create(
        [
            Receivable(
                merchant=merchant, customer_id=r[2], source=source, external_id=r[1], number=r[7] or r[1],
                currency=r[3], amount_minor=r[4], balance_minor=r[4], issued_at=r[5] or at, due_date=r[6],
                terms=r[8], description=r[9], status=ReceivableStatus.OPEN,
            )
            for r in rows
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
                source_ref=refs.get(rec.external_id, source_ref),
            )  # fmt: skip
            for rec in receivables
        ],
        batch_size=500,
    )
