"""Set-based processing of a run of new debts from one batch of stored events.

Most of a backlog is orders Settle has never seen that simply owe their full amount (`NewDebt`). Writing
them one by one costs ~17 statements each; here a run of them costs a handful of statements whatever its
size, through the same owners' bulk services the imports use: customers via `customers.bulk`, receivables,
their charge entries and the cases via `ledger.bulk.receivables_bulk_create`.

The caller (`services.events_process`) builds runs so that order is never in question: a run holds no object
twice and no customer with two different sets of details, and it is written before any event that follows
it in the batch. Whatever this module cannot do exactly as the one-by-one path would (an object that exists
after all, a customer whose details do not validate, a customer with credit, a row another worker stored
meanwhile) is handed back, and the caller processes it one by one after the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection as db_connection

from settle.core.money import Money
from settle.customers.bulk import customer_ids_by_external_id, customers_bulk_create
from settle.customers.models import ContactKind, ContactPoint, Customer
from settle.customers.services import customer_row
from settle.customers.validation import FieldError
from settle.ledger.bulk import receivables_bulk_create
from settle.ledger.models import Payment, Receivable
from settle.ledger.services import LedgerError, receivable_check

from .models import InboundEvent, SyncedObject, WriteBack
from .sync import Context, NewDebt, _add_contact, new_customer_fields


class RunConflict(Exception):
    """Another writer stored one of the run's rows meanwhile: the caller rolls the run back and goes one by one."""


@dataclass
class Item:
    event: InboundEvent
    ctx: Context
    debt: NewDebt


def write_run(items: list[Item], now: datetime) -> tuple[list[tuple[Item, str]], list[Item]]:
    """Write a run (call inside a savepoint). Returns (items done with their outcome, items to process one by
    one); events are left as they are. Raises RunConflict (or a database error) when the run must be redone
    one by one."""
    groups: dict[tuple[int, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.event.merchant_id, item.event.source), []).append(item)
    done: list[tuple[Item, str]] = []
    alone: list[Item] = []
    for group in groups.values():
        group_done, group_alone = _write_group(group, now)
        done.extend(group_done)
        alone.extend(group_alone)
    alone.sort(key=lambda i: i.event.pk)
    return done, alone


def _write_group(items: list[Item], now: datetime):
    """One merchant and source: every query below is scoped to them."""
    ctx = items[0].ctx
    merchant, source = ctx.merchant, ctx.source
    alone: list[Item] = []

    # 1. Objects that exist after all (a receivable from an earlier path) are not new: one by one.
    ids = [i.debt.external_id for i in items]
    stored = set(
        Receivable.objects.filter(merchant=merchant, source=source, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    items, alone = _split(items, lambda i: i.debt.external_id not in stored, alone)

    # 2. Customers: the ones that exist, and validated rows for the ones to create.
    keys = {i.debt.customer_key() for i in items}
    existing = {
        c.external_id: c
        for c in Customer.objects.filter(merchant=merchant, source=source, external_id__in=keys)
    }
    new_rows: dict[str, tuple] = {}
    bad: set[str] = set()
    for item in items:
        key = item.debt.customer_key()
        if key in existing or key in new_rows or key in bad:
            continue
        row = _customer_row(item.ctx, item.debt.customer)
        if row is None:
            bad.add(key)  # one by one, where `customer_create` names the field
        else:
            new_rows[key] = row
    # A customer with credit: `receivable_create` applies it and the one-by-one path then restores the
    # balance the shop shows; the bulk path would not, so those go one by one to keep one behaviour.
    with_credit = _credit_pairs(merchant, [c.pk for c in existing.values()])

    def customer_ready(item: Item) -> bool:
        key = item.debt.customer_key()
        if key in bad:
            return False
        return key not in existing or (existing[key].pk, item.debt.amount.currency) not in with_credit

    items, alone = _split(items, customer_ready, alone)
    items, alone = _split(items, _receivable_valid, alone)
    if not items:
        return [], alone

    # 3. Claim the sync rows: our uncommitted INSERT holds each as `claim_version`'s row lock would; a row
    #    that exists (or another worker is writing) means the object is not new: one by one.
    claimed = _claim(merchant.pk, source, items)
    items, alone = _split(items, lambda i: (i.debt.kind, i.debt.external_id) in claimed, alone)
    if not items:
        return [], alone

    # 4. Create the customers the run still needs, then map every key to its id. One that another worker
    #    created meanwhile is used as it is (as `customer_for` does when its insert meets a duplicate).
    needed = {i.debt.customer_key() for i in items}
    rows = [new_rows[k] for k in sorted(needed) if k in new_rows]
    customer_ids = {k: c.pk for k, c in existing.items()}
    if rows:
        customers_bulk_create(merchant=merchant, source=source, rows=rows, at=now)
        customer_ids.update(
            customer_ids_by_external_id(merchant=merchant, source=source, external_ids=[r[1] for r in rows])
        )
    _add_contacts(items, existing)

    # 5. Receivables, their charge entries and the customers' cases: one ledger call.
    receivable_rows = [
        (n, d.external_id, customer_ids[d.customer_key()], d.amount.currency, d.amount.minor, d.issued_at,
         d.due_date, d.number, d.terms, d.description, f"event:{i.event.pk}")
        for n, (i, d) in enumerate((i, i.debt) for i in items)
    ]  # fmt: skip
    result = receivables_bulk_create(merchant=merchant, source=source, rows=receivable_rows, at=now)
    if result.created != len(receivable_rows):
        raise RunConflict("a receivable was stored by another writer meanwhile")
    receivables = {
        ext: (pk, number, Money(balance, currency))
        for ext, pk, number, balance, currency in Receivable.objects.filter(
            merchant=merchant, source=source, external_id__in=[r[1] for r in receivable_rows]
        ).values_list("external_id", "pk", "number", "balance_minor", "currency")
    }

    # 6. The sync rows say what was applied; write-backs queued where the merchant asked for them.
    _sync_rows_update(
        [(claimed[(i.debt.kind, i.debt.external_id)], i.debt.version, i.debt.data,
          receivables[i.debt.external_id][0], customer_ids[i.debt.customer_key()]) for i in items]
    )  # fmt: skip
    write_backs = [
        WriteBack(
            merchant=merchant,
            connection=i.ctx.connection,
            action=i.debt.write_back[0],
            external_id=i.debt.external_id,
            payload=i.debt.write_back[1],
            next_attempt_at=now,
            key=f"{i.ctx.connection.pk}:{i.debt.write_back[0]}:{i.debt.external_id}",
        )  # fmt: skip
        for i in items
        if i.debt.write_back and i.ctx.connection is not None
    ]
    if write_backs:
        WriteBack.objects.bulk_create(write_backs, ignore_conflicts=True)

    done = []
    for item in items:
        _pk, number, balance = receivables[item.debt.external_id]
        done.append(
            (item, f"receivable {number}: {balance} due {item.debt.due_date}{item.debt.outcome_suffix}")
        )
    return done, alone


_SYNC_UPDATE = """
UPDATE integrations_syncedobject s SET version = v.version, state = 'open', note = '', data = v.data,
    receivable_id = v.receivable_id, customer_id = v.customer_id, updated_at = %s
FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, version timestamptz, data jsonb, receivable_id bigint,
    customer_id bigint)
WHERE s.id = v.id
"""


def _sync_rows_update(rows: list[tuple]) -> None:
    """(id, version, data, receivable id, customer id) of claimed sync rows: now open. One statement with one
    JSON parameter; the ORM's bulk_update (a CASE per field and row) cost more than the rest of the run."""
    stamp = _stamp()
    if db_connection.vendor == "postgresql":
        document = json.dumps([
            {"id": pk, "version": version.isoformat() if version else None, "data": data,
             "receivable_id": receivable_id, "customer_id": customer_id}
            for pk, version, data, receivable_id, customer_id in rows
        ])  # fmt: skip
        with db_connection.cursor() as cursor:
            cursor.execute(_SYNC_UPDATE, [stamp, document])
        return
    SyncedObject.objects.bulk_update(
        [SyncedObject(pk=pk, version=version, state="open", note="", data=data, receivable_id=receivable_id,
                      customer_id=customer_id, updated_at=stamp)
         for pk, version, data, receivable_id, customer_id in rows],
        ["version", "state", "note", "data", "receivable_id", "customer_id", "updated_at"],
    )  # fmt: skip


def _stamp() -> datetime:
    """What `auto_now` would write in `updated_at` (bulk writes bypass it)."""
    return SyncedObject._meta.get_field("updated_at").pre_save(SyncedObject(), add=True)


def _split(items, keep, alone):
    kept = []
    for item in items:
        (kept if keep(item) else alone).append(item)
    return kept, alone


def _customer_row(ctx: Context, spec: dict) -> tuple | None:
    """`customer_for`'s creation, as a bulk row: None where it would fail or need its locale retry."""
    fields = new_customer_fields(ctx.source, **spec)
    try:
        return customer_row(merchant=ctx.merchant, row_no=0, **fields)
    except FieldError as exc:
        if exc.field != "locale":
            return None
    fields.pop("locale")
    try:
        return customer_row(merchant=ctx.merchant, row_no=0, **fields)
    except FieldError:
        return None


def _receivable_valid(item: Item) -> bool:
    d = item.debt
    try:
        receivable_check(
            external_id=d.external_id, amount=d.amount, due_date=d.due_date, issued_at=d.issued_at
        )
    except LedgerError:
        return False  # one by one, where the event fails naming the field
    return True


def _credit_pairs(merchant, customer_ids: list[int]) -> set[tuple[int, str]]:
    if not customer_ids:
        return set()
    return set(
        Payment.objects.filter(merchant=merchant, customer_id__in=customer_ids, unallocated_minor__gt=0)
        .values_list("customer_id", "currency")
        .distinct()
    )


_CLAIM = """
INSERT INTO integrations_syncedobject (merchant_id, source, kind, external_id, version, state, note, data,
    receivable_id, customer_id, recheck_at, updated_at)
SELECT %s, %s, k, e, NULL, '', '', '{}'::jsonb, NULL, NULL, NULL, %s FROM unnest(%s::text[], %s::text[]) AS t(k, e)
ON CONFLICT (merchant_id, source, kind, external_id) DO NOTHING
RETURNING kind, external_id, id
"""


def _claim(merchant_id: int, source: str, items: list[Item]) -> dict[tuple[str, str], int]:
    """Insert the empty sync rows of the run's objects; {(kind, external id): row id} of those inserted."""
    wanted = sorted({(i.debt.kind, i.debt.external_id) for i in items})  # one order for every worker
    stamp = _stamp()
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                _CLAIM, [merchant_id, source, stamp, [k for k, _ in wanted], [e for _, e in wanted]]
            )
            return {(k, e): pk for k, e, pk in cursor.fetchall()}
    # Embedded (SQLite): one writer at a time, so "absent now" means absent until we commit.
    present = set(
        SyncedObject.objects.filter(
            merchant_id=merchant_id, source=source, external_id__in=[e for _, e in wanted]
        ).values_list("kind", "external_id")
    )
    fresh = [w for w in wanted if w not in present]
    SyncedObject.objects.bulk_create(
        [SyncedObject(merchant_id=merchant_id, source=source, kind=k, external_id=e) for k, e in fresh]
    )
    return {
        (k, e): pk
        for k, e, pk in SyncedObject.objects.filter(
            merchant_id=merchant_id, source=source, external_id__in=[e for _, e in fresh]
        ).values_list("kind", "external_id", "pk")
        if (k, e) in set(fresh)
    }


def _add_contacts(items: list[Item], existing: dict[str, Customer]) -> None:
    """Customers that existed before the run get the run's contact details they lack, as `customer_for`
    adds them (an erased customer gets none). Within a run a customer's details are the same everywhere."""
    specs = {}
    for item in items:
        key = item.debt.customer_key()
        customer = existing.get(key)
        spec = item.debt.customer
        if customer is not None and customer.erased_at is None and (spec["email"] or spec["phone"]):
            specs.setdefault(key, (customer, spec))
    if not specs:
        return
    known: dict[int, set[tuple[str, str]]] = {}
    for customer_id, kind, value in ContactPoint.objects.filter(
        customer_id__in=[c.pk for c, _ in specs.values()]
    ).values_list("customer_id", "kind", "value"):
        known.setdefault(customer_id, set()).add((kind, value))
    for customer, spec in specs.values():
        points = known.setdefault(customer.pk, set())
        _add_contact(customer, ContactKind.EMAIL, spec["email"], points)
        _add_contact(customer, ContactKind.PHONE, spec["phone"], points)
