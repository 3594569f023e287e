"""The tick: advance every case whose `next_check_at` has come, in batches.

Per batch: claim the due cases (indexed `next_check_at`, `skip_locked` on PostgreSQL), load their snapshots in a
fixed number of queries (values/tuples, no model instances), call the pure `policy.decide`, then write the
decision log, outbox rows, tasks, fee/interest entries and the next `next_check_at` in bulk, in one transaction.
If the bulk write fails, each case is retried alone in a savepoint, so one bad case never costs the batch its
work; a case whose snapshot or decision fails is recorded with its error and pushed forward.
"""

from __future__ import annotations

import gc
import json
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery

from settle.communications.models import Message
from settle.core.money import Money
from settle.customers.models import ContactPoint, ContactPreference, Customer
from settle.ledger.models import LedgerEntry, Receivable
from settle.policy.compliance import zone
from settle.policy.engine import CaseSnapshot, Decision, ReceivableFact, Rules, decide
from settle.policy.interest import FxFact, RateFact
from settle.policy.reasons import build_reason
from settle.policy.rules import jurisdiction_for, resolve
from settle.policy.segments import CustomerFacts, SegmentThresholds, segment_for
from settle.workdesk.models import Task

from .models import Case, CaseEvent, EngineSettings, FxRate, Promise, RatePeriod, Strategy, StrategyVersion
from .strategies import specs_from_json

log = logging.getLogger("settle.engine")
BATCH_SIZE = 1000
ERROR_BACKOFF = timedelta(hours=1)
CONTACT_HORIZON = timedelta(days=31)
CHANNEL_OF_KIND = {"email": "email", "phone": "sms", "webhook": "webhook", "postal": "letter"}
COUNTED = ("queued", "sending", "sent", "unknown")
# A merchant without EngineSettings: the default thresholds, no consumer interest.
NO_SETTINGS = (SegmentThresholds(), None)
# json.dumps's text, a third faster: the rows are fresh trees of dicts and lists, so no cycle check is needed.
_json = json.JSONEncoder(check_circular=False).encode
CASE_FIELDS = ("id", "merchant_id", "customer_id", "currency", "strategy_version_id", "step_index",
               "paused_until", "segment", "last_step", "overdue_since", "disputed_since", "promised_until")  # fmt: skip


@lru_cache(maxsize=4096)
def _jurisdiction(country: str, region: str, city: str) -> str:
    return jurisdiction_for(country, region, city)


@lru_cache(maxsize=8)
def _id_array(ids: tuple[int, ...]) -> str:
    """An array literal of ids (`{1,2,3}`), cast to bigint[] in SQL: one string to quote instead of psycopg
    adapting every element of a 1,000-id list in Python, for each of the batch's loads. Ids are ints. Memoised
    (a tuple hashes far faster than it joins): five of a batch's loads filter by the same customers."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def _fetch(qs) -> list[tuple]:
    """The rows of a `values_list` queryset. On PostgreSQL its SQL runs on a server-binding cursor: the batch's
    id arrays travel as parameters instead of being quoted into the SQL text in Python, and rows come back as
    psycopg's tuples without the ORM's per-row iteration. Only for querysets without JSON or other converted
    columns (their values would come back unconverted)."""
    if connection.vendor != "postgresql":
        return list(qs)
    sql, params = qs.query.sql_with_params()
    with _server_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _among(qs, column: str, ids: tuple[int, ...]):
    """`column IN ids` as one array parameter on PostgreSQL (`= ANY(%s)`): thousands of separate parameters
    cost more to bind than the query costs to run."""
    if connection.vendor == "postgresql":
        table = qs.model._meta.db_table
        return qs.extra(where=[f'"{table}"."{column}" = ANY(%s::bigint[])'], params=[_id_array(ids)])
    return qs.filter(**{f"{column}__in": ids})


def _history(customer_ids: tuple[int, ...], case_ids: tuple[int, ...], now: datetime):
    """Contacts counted against caps (last 31 days) and each case's final notices (for the prior warning)."""
    since = now - CONTACT_HORIZON
    if connection.vendor == "postgresql":
        return Message.objects.extra(
            where=["(customer_id = ANY(%s::bigint[]) AND status = ANY(%s::text[]) AND not_before >= %s) OR "
                   "(case_id = ANY(%s::bigint[]) AND template_key = 'final_notice' AND status = ANY(%s::text[]))"],
            params=[_id_array(customer_ids), list(COUNTED), since, _id_array(case_ids), list(COUNTED)],
        )  # fmt: skip
    return Message.objects.filter(
        Q(customer_id__in=customer_ids, status__in=COUNTED, not_before__gte=since)
        | Q(case_id__in=case_ids, template_key="final_notice", status__in=COUNTED)
    )


@dataclass
class TickContext:
    """What every batch of one tick shares: the strategies on offer and the statutory rates."""

    strategies: list[tuple[int | None, tuple[str, ...], int]]  # (merchant_id, segments, current_version_id)
    rates: tuple[RateFact, ...]
    fx: tuple[FxFact, ...] = ()
    rules: dict[str, Rules] = field(default_factory=dict)
    chosen: dict[tuple[int, str], int | None] = field(default_factory=dict)  # (merchant, segment) → version

    @classmethod
    def load(cls) -> TickContext:
        strategies = [
            (m, tuple(segs or ()), v)
            for m, segs, v in Strategy.objects.filter(is_active=True, current_version__isnull=False)
            .order_by("priority", "id")
            .values_list("merchant_id", "segments", "current_version_id")
        ]
        rates = tuple(
            RateFact(k, d, Decimal(p), s) for k, d, p, s in RatePeriod.objects.values_list(
                "key", "effective_from", "percent", "source")
        )  # fmt: skip
        # A few hundred rows a year per currency pair: an old debt needs the rate of the month before its due date.
        fx = tuple(
            FxFact(b, q, on, rate, src)
            for b, q, on, rate, src in FxRate.objects.values_list("base", "quote", "on", "rate", "source")
        )
        return cls(strategies, rates, fx)

    def rules_for(self, code: str) -> Rules:
        if code not in self.rules:
            self.rules[code] = Rules(resolve(code), self.rates, self.fx)
        return self.rules[code]

    def version_for(self, merchant_id: int, segment: str) -> int | None:
        """The merchant's own strategies first, then the shipped defaults; the first whose segments match
        (remembered for the tick: thousands of cases share a few merchant × segment pairs)."""
        key = (merchant_id, segment)
        if key not in self.chosen:
            self.chosen[key] = self._version_for(merchant_id, segment)
        return self.chosen[key]

    def _version_for(self, merchant_id: int, segment: str) -> int | None:
        for own in (True, False):
            for m, segments, version in self.strategies:
                if (m == merchant_id if own else m is None) and (not segments or segment in segments):
                    return version
        return None


@dataclass
class Loaded:
    snapshots: dict[int, CaseSnapshot]
    meta: dict[int, dict]  # case id → merchant, customer, version, contact point per channel, context
    errors: dict[int, str]


def load_snapshots(rows: list[tuple], now: datetime, ctx: TickContext) -> Loaded:
    """Build the snapshots of one batch of cases in a fixed number of queries (9)."""
    case_ids = tuple(r[0] for r in rows)
    customer_ids = tuple({r[2] for r in rows})
    merchant_ids = list({r[1] for r in rows})
    customers = {
        c[0]: c
        for c in _fetch(_among(Customer.objects.order_by(), "id", customer_ids).values_list(
            "id", "kind", "country", "region", "city", "timezone", "locale", "orders_count"))
    }  # fmt: skip
    receivables = defaultdict(list)
    receivable_ids = []
    for cid, cur, rid, number, amount, balance, due in _fetch(
        _among(Receivable.objects.filter(status="open", balance_minor__gt=0), "customer_id", customer_ids)
        .order_by()
        .values_list("customer_id", "currency", "id", "number", "amount_minor", "balance_minor", "due_date")
    ):
        receivables[(cid, cur)].append(ReceivableFact(rid, number, amount, balance, due))
        receivable_ids.append(rid)
    points = defaultdict(dict)
    for cid, kind, pid in _fetch(
        _among(ContactPoint.objects.filter(disabled_at__isnull=True), "customer_id", customer_ids)
        .order_by("-is_primary", "id")
        .values_list("customer_id", "kind", "id")
    ):
        points[cid].setdefault(CHANNEL_OF_KIND.get(kind, kind), pid)
    opted = defaultdict(set)
    for cid, channel in _fetch(
        _among(ContactPreference.objects.filter(opted_out_at__isnull=False), "customer_id", customer_ids)
        .order_by()
        .values_list("customer_id", "channel")
    ):
        opted[cid].add(channel)
    contacts = defaultdict(list)
    final_notice = {}
    for cid, case_id, channel, sent_at, not_before, template in _fetch(
        _history(customer_ids, case_ids, now)
        .order_by()
        .values_list("customer_id", "case_id", "channel", "sent_at", "not_before", "template_key")
    ):
        at = sent_at or not_before
        if at >= now - CONTACT_HORIZON:
            contacts[cid].append((at, channel))
        if template == "final_notice" and case_id:
            final_notice[case_id] = min(at, final_notice.get(case_id, at))
    late = dict(
        _fetch(
            _among(
                Case.objects.filter(opened_at__gte=now - timedelta(days=365), overdue_since__isnull=False),
                "customer_id",
                customer_ids,
            )
            .exclude(id__in=case_ids if connection.vendor != "postgresql" else [])
            .extra(
                where=['NOT ("cases_case"."id" = ANY(%s::bigint[]))']
                if connection.vendor == "postgresql"
                else [],
                params=[_id_array(case_ids)] if connection.vendor == "postgresql" else [],
            )
            .order_by()
            .values("customer_id")
            .annotate(n=Count("id"))
            .values_list("customer_id", "n")
        )
    )
    charged = defaultdict(dict)
    compensated = set()
    for rid, kind, ref in _fetch(
        _among(
            LedgerEntry.objects.filter(kind__in=("fee", "interest"), source_ref__startswith="engine:"),
            "receivable_id",
            tuple(receivable_ids),
        )
        .order_by()
        .values_list("receivable_id", "kind", "source_ref")
    ):
        if kind == "fee":
            compensated.add(rid)
        else:
            through = datetime.fromisoformat(ref.rsplit(":", 1)[1]).date()
            charged[rid] = max(through, charged[rid]) if rid in charged else through
    settings = {
        m: (SegmentThresholds(a, b, c, d), p)
        for m, a, b, c, d, p in EngineSettings.objects.filter(merchant_id__in=merchant_ids).values_list(
            "merchant_id", "loyal_min_on_time_orders", "repeat_late_min", "new_max_orders", "high_value_minor",
            "consumer_interest_percent")
    }  # fmt: skip
    pending = {}
    errors: dict[int, str] = {}
    last_steps = {r[0]: r[8] for r in rows}
    overdue_since = {r[0]: r[9] for r in rows}
    disputed = {r[0] for r in rows if r[10] is not None}
    promised_until = {r[0]: r[11] for r in rows}
    for case_id, merchant_id, customer_id, currency, version_id, step_index, paused_until, *_rest in rows:
        try:
            cust = customers[customer_id]
            recs = tuple(receivables.get((customer_id, currency), ()))
            thresholds, consumer_rate = settings.get(merchant_id, NO_SETTINGS)
            balance = sum(r.balance_minor for r in recs)
            segment = segment_for(
                CustomerFacts(cust[1], cust[7], late.get(customer_id, 0), balance), thresholds
            )
            version_id = version_id or ctx.version_for(merchant_id, segment.code)
            if version_id is None:
                raise LookupError("no active strategy matches this case")
            pending[case_id] = (merchant_id, customer_id, currency, version_id, step_index, paused_until, cust,
                                recs, segment, consumer_rate)  # fmt: skip
        except Exception as exc:  # a poisoned case must not stop the batch
            errors[case_id] = f"{type(exc).__name__}: {exc}"
    versions = {
        v: specs_from_json(steps)
        for v, steps in StrategyVersion.objects.filter(id__in={p[3] for p in pending.values()}).order_by().values_list(
            "id", "steps")
    }  # fmt: skip
    snapshots, meta = {}, {}
    for case_id, p in pending.items():
        (
            merchant_id,
            customer_id,
            currency,
            version_id,
            step_index,
            paused_until,
            cust,
            recs,
            segment,
            rate,
        ) = p
        try:
            code = _jurisdiction(cust[2], cust[3], cust[4])
            snapshots[case_id] = CaseSnapshot(
                case_id=case_id, currency=currency, debtor_kind=cust[1], country=cust[2], timezone=cust[5],
                locale=cust[6], jurisdiction=code, segment=segment, steps=versions[version_id],
                step_index=step_index, receivables=recs, contacts=tuple(contacts.get(customer_id, ())),
                channels_available=frozenset(points.get(customer_id, {})) | {"portal"},
                opted_out=frozenset(opted.get(customer_id, ())), paused_until=paused_until,
                disputed=case_id in disputed,
                final_notice_at=final_notice.get(case_id), consumer_interest_percent=rate,
                interest_through={r.id: charged[r.id] for r in recs if r.id in charged} if charged else {},
                compensated=frozenset(r.id for r in recs if r.id in compensated) if compensated else frozenset(),
                promised_until=promised_until[case_id],
            )  # fmt: skip
            meta[case_id] = {"merchant_id": merchant_id, "customer_id": customer_id, "version_id": version_id,
                             "points": points.get(customer_id, {}), "code": code,
                             "last_step": last_steps[case_id], "overdue_since": overdue_since[case_id]}  # fmt: skip
        except Exception as exc:
            errors[case_id] = f"{type(exc).__name__}: {exc}"
    return Loaded(snapshots, meta, errors)


def _context(snapshot: CaseSnapshot) -> dict:
    # Oldest first, whatever order the unordered snapshot load returned them in (the message lists them).
    recs = sorted((r for r in snapshot.receivables if r.balance_minor > 0), key=lambda r: (r.due_date, r.id))
    return {
        "case_id": snapshot.case_id,
        "currency": snapshot.currency,
        "balance_minor": sum(r.balance_minor for r in recs),
        "oldest_due_date": snapshot.oldest_due.isoformat() if snapshot.oldest_due else None,
        "receivables": [
            {"id": r.id, "number": r.number, "amount_minor": r.amount_minor, "balance_minor": r.balance_minor,
             "due_date": r.due_date.isoformat()}
            for r in recs
        ],
    }  # fmt: skip


def _rows_for(decision: Decision, snapshot: CaseSnapshot, meta: dict, now: datetime):
    """The rows one decision writes, as tuples in MESSAGE_COLUMNS / EVENT_COLUMNS order (no model instances
    in the hot path), plus tasks (rare) as unsaved models."""
    m, c = meta["merchant_id"], meta["customer_id"]
    context = _json(_context(snapshot)) if decision.messages else ""
    messages = [
        (m, decision.case_id, c, pm.step_key, pm.channel, meta["points"].get(pm.channel), pm.template_key, pm.tone,
         snapshot.locale, context, "", "", "", f"case-{decision.case_id}-{pm.step_key}-{pm.channel}", "queued", "",
         pm.not_before, 0, "", "", False, now)
        for pm in decision.messages
    ]  # fmt: skip
    tasks = [
        Task(
            merchant_id=m,
            case_id=decision.case_id,
            customer_id=c,
            kind=t.kind,
            step_key=t.step_key,
            note=t.note[:500],
            due_at=t.due_at,
            created_at=now,
            idempotency_key=f"case-{decision.case_id}-{t.step_key}-{t.kind}",
        )  # fmt: skip
        for t in decision.tasks
    ]
    scheduled = {
        "messages": [{"channel": x.channel, "template_key": x.template_key, "tone": x.tone,
                      "not_before": x.not_before.isoformat(), "step_key": x.step_key} for x in decision.messages],
        "tasks": [{"kind": t.kind, "note": t.note, "due_at": t.due_at.isoformat()} for t in decision.tasks],
        "charges": [{"receivable_id": x.receivable_id, "kind": x.kind, "amount_minor": x.amount_minor,
                     "currency": snapshot.currency, "memo": x.memo} for x in decision.charges],
        "jurisdiction": meta["code"],
    }  # fmt: skip
    event = (m, decision.case_id, now, "decision", decision.step_key, decision.action, snapshot.segment.code,
             decision.stage[:100], "[" + ", ".join(r.json_text for r in decision.reasons) + "]", _json(scheduled),
             decision.next_check_at)  # fmt: skip
    return messages, tasks, event


def _apply_charges(decision: Decision, snapshot: CaseSnapshot, now: datetime) -> None:
    from settle.ledger.services import charge_add

    for charge in decision.charges:
        receivable = Receivable.objects.get(pk=charge.receivable_id)
        charge_add(receivable=receivable, kind=charge.kind, amount=Money(charge.amount_minor, snapshot.currency),
                   at=now, memo=charge.memo[:300],
                   source_ref=f"engine:{charge.kind}:{charge.receivable_id}:{charge.through.isoformat()}")  # fmt: skip


def _server_cursor():
    """A cursor with server-side parameter binding: arrays travel as parameters instead of being quoted into
    the SQL text in Python, which dominated the cost of bulk writes. Wrapped so Django counts and logs it."""
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _columns(columns: list[tuple[str, str]], rows: list[tuple]):
    """Per column: (name, cast, is_constant, value or list). A column holding the same value in every row
    (status, empty bodies, `now`, no error…) travels as one scalar parameter instead of an array: building
    arrays element by element is most of the Python cost of a bulk write, and unnest has less to expand."""
    for (name, kind), col in zip(columns, zip(*rows, strict=True), strict=True):
        cast = "text" if kind == "json" else kind
        first = col[0]
        if col.count(first) == len(col) and len(set(map(type, col))) == 1:  # 0 == False, same type
            yield name, kind, cast, True, first
        else:
            yield name, kind, cast, False, list(col)


def _pg_insert(table: str, columns: list[tuple[str, str]], rows: list[tuple], *, ignore_conflicts: bool,
               generated: dict[str, str] | None = None) -> None:  # fmt: skip
    """INSERT … SELECT FROM unnest(arrays): one statement, one parameter per column, whatever the row count."""
    if not rows:
        return
    names, exprs, params, arrays = [], [], [], []
    for name, kind, cast, constant, value in _columns(columns, rows):
        names.append(name)
        if constant:
            exprs.append(f"(%b::{cast})::jsonb" if kind == "json" else f"%b::{cast}")
            params.append(value)
        else:
            exprs.append(f"u.{name}::jsonb" if kind == "json" else f"u.{name}")
            arrays.append((f"%b::{cast}[]", name, value))
    if generated:
        names, exprs = names + list(generated), exprs + list(generated.values())
    if arrays:
        source = f" FROM unnest({', '.join(a[0] for a in arrays)}) AS u({', '.join(a[1] for a in arrays)})"
    else:  # every column constant: as many copies of the row as there are rows
        source, params = " FROM generate_series(1, %b::int)", params + [len(rows)]
    sql = (f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)}{source}"
           + (" ON CONFLICT DO NOTHING" if ignore_conflicts else ""))  # fmt: skip
    with _server_cursor() as cursor:
        cursor.execute(sql, params + [a[2] for a in arrays])


EVENT_COLUMNS = [("merchant_id", "bigint"), ("case_id", "bigint"), ("at", "timestamptz"), ("kind", "text"),
                 ("step_key", "text"), ("action", "text"), ("segment", "text"), ("stage", "text"),
                 ("reasons", "json"), ("scheduled", "json"), ("next_check_at", "timestamptz")]  # fmt: skip
MESSAGE_COLUMNS = [("merchant_id", "bigint"), ("case_id", "bigint"), ("customer_id", "bigint"),
                   ("step_key", "text"), ("channel", "text"), ("contact_point_id", "bigint"),
                   ("template_key", "text"), ("tone", "text"), ("locale", "text"), ("context", "json"),
                   ("subject", "text"), ("body_text", "text"), ("body_html", "text"), ("idempotency_key", "text"),
                   ("status", "text"), ("status_reason", "text"), ("not_before", "timestamptz"),
                   ("attempts", "int"), ("provider_ref", "text"), ("delivery_status", "text"),
                   ("is_test", "bool"), ("created_at", "timestamptz")]  # fmt: skip


def _insert_events(events: list[tuple]) -> None:
    if connection.vendor != "postgresql":
        names = [c for c, _t in EVENT_COLUMNS]
        CaseEvent.objects.bulk_create(
            [CaseEvent(**_loaded(dict(zip(names, e, strict=True)))) for e in events]
        )
        return
    _pg_insert(CaseEvent._meta.db_table, EVENT_COLUMNS, events, ignore_conflicts=False)


def _insert_messages(messages: list[tuple]) -> None:
    if connection.vendor != "postgresql":
        names = [c for c, _t in MESSAGE_COLUMNS]
        Message.objects.bulk_create([Message(**_loaded(dict(zip(names, m, strict=True)))) for m in messages],
                                    ignore_conflicts=True)  # fmt: skip
        return
    # Receipt codes come from the database's CSPRNG: no Python UUID (and syscall) per message.
    _pg_insert(Message._meta.db_table, MESSAGE_COLUMNS, messages, ignore_conflicts=True,
               generated={"code": "gen_random_uuid()"})  # fmt: skip


def _loaded(row: dict) -> dict:
    for key in ("reasons", "scheduled", "context"):
        if key in row:
            row[key] = json.loads(row[key]) if row[key] else {}
    return row


CASE_UPDATE_COLUMNS = [("id", "bigint"), ("step_index", "int"), ("last_step", "text"), ("stage", "text"),
                       ("segment", "text"), ("strategy_version_id", "bigint"), ("next_check_at", "timestamptz"),
                       ("last_error", "text"), ("overdue_since", "date")]  # fmt: skip


def _update_cases(rows: list[tuple]) -> None:
    """rows: (id, step_index, last_step, stage, segment, strategy_version_id, next_check_at, last_error,
    overdue_since)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        sets, params, arrays = [], [], []
        for name, _kind, cast, constant, value in _columns(CASE_UPDATE_COLUMNS, rows):
            if name == "id" or not constant:  # ids always travel as the array that drives the join
                arrays.append((f"%b::{cast}[]", name, value if not constant else [value] * len(rows)))
                if name != "id":
                    sets.append(f"{name} = v.{name}")
            else:
                sets.append(f"{name} = %b::{cast}")
                params.append(value)
        with _server_cursor() as cursor:
            cursor.execute(
                f"UPDATE {Case._meta.db_table} AS c SET {', '.join(sets)} "
                f"FROM unnest({', '.join(a[0] for a in arrays)}) AS v({', '.join(a[1] for a in arrays)}) "
                "WHERE c.id = v.id",
                params + [a[2] for a in arrays],
            )
        return
    objs = [Case(pk=r[0], step_index=r[1], last_step=r[2], stage=r[3], segment=r[4], strategy_version_id=r[5],
                 next_check_at=r[6], last_error=r[7], overdue_since=r[8]) for r in rows]  # fmt: skip
    Case.objects.bulk_update(objs, ["step_index", "last_step", "stage", "segment", "strategy_version_id",
                                    "next_check_at", "last_error", "overdue_since"])  # fmt: skip


def _overdue_since(snapshot: CaseSnapshot, now: datetime):
    due = snapshot.oldest_due
    return due if due is not None and now.astimezone(zone(snapshot.timezone)).date() > due else None


def _write(items: list[tuple[Decision, CaseSnapshot, dict]], now: datetime) -> None:
    messages, tasks, events, updates, broken = [], [], [], [], []
    for decision, snapshot, meta in items:
        if decision.promise_broken:
            broken.append(decision.case_id)
        ms, ts, ev = _rows_for(decision, snapshot, meta, now)
        messages += ms
        tasks += ts
        events.append(ev)
        if decision.charges:
            _apply_charges(decision, snapshot, now)
        next_check = max(decision.next_check_at, now + timedelta(seconds=1))  # never re-claimed in this tick
        updates.append(
            (
                decision.case_id,
                decision.step_index,
                decision.step_key or meta["last_step"],
                decision.stage[:100],
                snapshot.segment.code,
                meta["version_id"],
                next_check,
                "",
                meta["overdue_since"] or _overdue_since(snapshot, now),
            )
        )
    _insert_events(events)
    if messages:
        _insert_messages(messages)
    if tasks:
        Task.objects.bulk_create(tasks, ignore_conflicts=True)
    if broken:  # rare: only cases whose promised day has passed unpaid (the decision event says why)
        Promise.objects.filter(case_id__in=broken, status="pending").update(status="broken", resolved_at=now)
    _update_cases(updates)


def _record_errors(errors: dict[int, str], rows_by_id: dict[int, tuple], now: datetime) -> None:
    if not errors:
        return
    events = []
    for case_id, error in errors.items():
        row = rows_by_id[case_id]
        why = build_reason("engine_error", "settle engine", error=error[:300])
        events.append(CaseEvent(merchant_id=row[1], case_id=case_id, at=now, kind="error", stage="error",
                                reasons=[why.as_json()], next_check_at=now + ERROR_BACKOFF))  # fmt: skip
    CaseEvent.objects.bulk_create(events)
    for case_id, error in errors.items():
        Case.objects.filter(pk=case_id).update(last_error=error[:2000], next_check_at=now + ERROR_BACKOFF)
    log.warning("engine: %d case(s) skipped with errors: %s", len(errors), sorted(errors)[:10])


def case_rows(qs):
    """`qs` (cases) as the tuples `load_snapshots` reads, in CASE_FIELDS order. The pending promise's date rides
    along as a subquery (a lookup in the one-pending-per-case index per row), so honouring promises costs the
    tick no query of its own; build rows through here, never with a bare `values_list(*CASE_FIELDS)`."""
    promised = Promise.objects.filter(case_id=OuterRef("pk"), status="pending").values("promised_for")[:1]
    return qs.annotate(promised_until=Subquery(promised)).values_list(*CASE_FIELDS)


def _claim(now: datetime, size: int) -> list[tuple]:
    qs = Case.objects.filter(closed_at__isnull=True, next_check_at__lte=now).order_by("next_check_at")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(case_rows(qs)[:size])


@contextmanager
def _gc_paused():
    """No cyclic garbage collection during one batch. A batch allocates some 100,000 short-lived, acyclic
    objects (rows, snapshots, decisions, tuples to write); the collector kept scanning them, and every few
    batches the whole process's long-lived objects too: ~20 % of the tick's CPU (bench/RESULTS-engine.md).
    Reference counting frees them as before; a cycle made during the batch waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def advance_batch(rows: list[tuple], now: datetime, ctx: TickContext) -> int:
    """Decide and write one claimed batch inside the caller's transaction; returns cases advanced."""
    loaded = load_snapshots(rows, now, ctx)
    errors = dict(loaded.errors)
    items = []
    for case_id, snapshot in loaded.snapshots.items():
        try:
            decision = decide(snapshot, now, ctx.rules_for(snapshot.jurisdiction))
            items.append((decision, snapshot, loaded.meta[case_id]))
        except Exception as exc:
            errors[case_id] = f"{type(exc).__name__}: {exc}"
    try:
        with transaction.atomic():
            _write(items, now)
    except Exception:
        for item in items:  # retry alone: one bad case never loses the others' work
            try:
                with transaction.atomic():
                    _write([item], now)
            except Exception as exc:
                errors[item[0].case_id] = f"{type(exc).__name__}: {exc}"
    _record_errors(errors, {r[0]: r for r in rows}, now)
    return len(items) - len([i for i in items if i[0].case_id in errors])


def advance_due_cases(now: datetime, limit: int | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Advance every open case due at `now` (worker job, order 30); returns the number of cases advanced."""
    done = 0
    ctx: TickContext | None = None
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        with transaction.atomic():
            rows = _claim(now, size)
            if not rows:
                break
            ctx = ctx or TickContext.load()
            with _gc_paused():
                done += advance_batch(rows, now, ctx)
        if len(rows) < size:
            break
    return done
