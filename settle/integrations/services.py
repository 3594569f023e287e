"""Writes for integrations: connections, receiving webhooks, processing stored events, replays, write-back.

Receiving and processing are split on purpose: the web request only verifies the signature over the raw
body, stores the `InboundEvent` and answers (shops give us seconds); the worker (order 20) processes stored
rows in batches, and any row can be processed again (`event_replay`) because every mapping is idempotent.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db import connection as db_connection

from settle.core import clock
from settle.merchants.models import Merchant

from .batch import Item, write_run
from .models import Connection, EventStatus, InboundEvent, SyncedObject, WriteBack
from .registry import SOURCES, plugin_for
from .secrets_box import seal, unseal
from .sync import Context, Held, MappingError, Result

log = logging.getLogger("settle.integrations")

KEPT_HEADERS = ("content-type", "user-agent")


# --- connections ---------------------------------------------------------------------------------------
def connection_create(
    *,
    merchant: Merchant,
    source: str,
    account: str = "",
    secrets: dict[str, str] | None = None,
    settings: dict | None = None,
    shop_reminders: list[str] | None = None,
    api_base: str = "",
) -> Connection:
    """Connect a store; its secrets are stored encrypted. The shop's own reminders are declared here."""
    from settle.customers.validation import FieldError

    if source not in SOURCES:
        raise FieldError("source", f"must be one of {', '.join(SOURCES)}")
    with transaction.atomic():
        try:
            conn = Connection.objects.create(
                merchant=merchant, source=source, account=account.strip(), api_base=api_base,
                secrets_encrypted=seal(secrets or {}), settings=settings or {},
                shop_reminders=sorted(set(shop_reminders or [])),
                shop_reminders_checked_at=clock.now(),
            )  # fmt: skip
        except IntegrityError:
            raise FieldError("source", f"{source} is already connected; disconnect it first") from None
    _CACHE.clear()
    return conn


def connection_update(*, connection: Connection, secrets: dict | None = None, **fields) -> Connection:
    if secrets is not None:
        current = unseal(connection.secrets_encrypted)
        current.update({k: v for k, v in secrets.items() if v})
        connection.secrets_encrypted = seal(current)
    for key, value in fields.items():
        setattr(connection, key, value)
    connection.save()
    _CACHE.clear()
    return connection


def connection_disconnect(*, connection: Connection) -> None:
    """Stop accepting this store's webhooks; its history (events, receivables) stays."""
    Connection.objects.filter(pk=connection.pk).update(disconnected_at=clock.now())
    _CACHE.clear()


# --- receiving -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    merchant_id: int
    connection_id: int | None
    secrets: dict


# (merchant slug, source) → (expires, target). Keeps the acknowledgement to one INSERT; a change made in this
# process clears it at once, one made elsewhere is seen within SETTLE_WEBHOOK_CONNECTION_TTL seconds.
_CACHE: dict[tuple[str, str], tuple[float, _Target | None]] = {}


def _target(slug: str, source: str) -> _Target | None:
    key = (slug, source)
    hit = _CACHE.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    conn = (
        Connection.objects.filter(merchant__slug=slug, source=source, disconnected_at__isnull=True)
        .only("pk", "merchant_id", "secrets_encrypted")
        .first()
    )
    target = None
    if conn is not None:
        target = _Target(conn.merchant_id, conn.pk, unseal(conn.secrets_encrypted))
    _CACHE[key] = (time.monotonic() + settings.SETTLE_WEBHOOK_CONNECTION_TTL, target)
    return target


@dataclass(frozen=True)
class Receipt:
    status: int
    detail: str


def webhook_receive(*, merchant_slug: str, source: str, body: bytes, headers, content_length: int) -> Receipt:
    """Verify on the raw bytes, store, answer. Never parses before the signature has been checked."""
    if source not in SOURCES:
        return Receipt(404, "unknown source")
    target = _target(merchant_slug, source)
    if target is None:
        return Receipt(404, "no such connection")
    plugin = plugin_for(source)
    now = clock.now()
    kept = {k: v for k, v in headers.items() if k.lower().startswith("x-") or k.lower() in KEPT_HEADERS
            or k.lower() == "stripe-signature"}  # fmt: skip

    def store(**fields) -> None:
        InboundEvent.objects.bulk_create(
            [
                InboundEvent(
                    merchant_id=target.merchant_id, source=source, headers=kept, received_at=now, **fields
                )
            ],
            ignore_conflicts=True,
        )

    if content_length > settings.SETTLE_WEBHOOK_MAX_BYTES:
        store(body=b"", status=EventStatus.REJECTED, outcome=f"body too large ({content_length} bytes)")
        return Receipt(413, "body too large")
    if plugin.is_ping(body, headers):
        store(body=body, topic="ping", status=EventStatus.IGNORED, outcome="webhook ping acknowledged")
        return Receipt(200, "pong")
    if not plugin.verify(body, headers, target.secrets):
        log.warning("integrations: bad signature on %s webhook for %s", source, merchant_slug)
        store(body=body, status=EventStatus.REJECTED, outcome="bad or missing signature")
        return Receipt(401, "bad signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        store(body=body, verified=True, status=EventStatus.REJECTED, outcome="malformed JSON")
        return Receipt(400, "malformed JSON")
    topic, delivery_id = plugin.describe(headers, payload)
    if topic not in plugin.topics:
        store(body=body, verified=True, topic=topic[:100], delivery_id=delivery_id[:200],
              status=EventStatus.IGNORED, outcome=f"topic {topic or '(none)'} is not used")  # fmt: skip
        return Receipt(200, "ignored")
    store(body=body, verified=True, topic=topic, delivery_id=delivery_id[:200])
    return Receipt(200, "stored")


# --- processing ----------------------------------------------------------------------------------------
def _process_one(
    event: InboundEvent, conn: Connection | None, now: datetime, hint: _BatchHint | None = None
) -> tuple[str, ...]:
    """Process one stored event in a savepoint; set its status and outcome (saved by the caller).

    Returns the keys of held events this one may unblock; the caller releases them (once per batch).
    """
    event.attempts += 1
    event.processed_at = now
    event.error_field = ""
    event.held_for = ""
    try:
        payload = hint.payloads.pop(event.pk, None) if hint else None
        if payload is None:
            payload = json.loads(bytes(event.body))
        if not isinstance(payload, dict):
            raise MappingError("body", "expected a JSON object")
        ctx = Context(merchant=conn.merchant if conn else Merchant.objects.get(pk=event.merchant_id),
                      connection=conn, event=event, now=now)  # fmt: skip
        if hint is not None:
            ctx.known_ids = hint.known_ids.get((event.merchant_id, event.source), frozenset())
            ctx.synced_present = hint.present.get((event.merchant_id, event.source), set())
        with transaction.atomic():
            result: Result = plugin_for(event.source).process(ctx, event.topic, payload)
        event.status, event.outcome = result.status, result.outcome[:500]
        return result.releases
    except Held as held:
        event.status, event.outcome, event.held_for = EventStatus.HELD, held.reason[:500], held.key[:200]
    except MappingError as exc:
        event.status, event.outcome, event.error_field = EventStatus.FAILED, exc.reason[:500], exc.field[:100]
    except OperationalError as exc:
        # Two workers touching the same customer can deadlock; the savepoint is rolled back, so try again later.
        retry = event.attempts < 5
        event.status = EventStatus.RECEIVED if retry else EventStatus.FAILED
        event.outcome = f"{'will retry: ' if retry else ''}{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:  # an unexpected payload must fail its event, not the batch
        log.exception("integrations: event %s failed", event.pk)
        event.status, event.outcome = EventStatus.FAILED, f"{type(exc).__name__}: {exc}"[:500]
    return ()


@dataclass
class _BatchHint:
    """What one query per (merchant, source) tells about a batch before it is processed: its parsed payloads
    and which sync rows already existed for the object ids they name (so new objects skip a failed lookup)."""

    payloads: dict[int, object]
    known_ids: dict[tuple[int, str], frozenset[str]]
    present: dict[tuple[int, str], set[tuple[str, str]]]


def _batch_hint(batch: list[InboundEvent], parsed: dict[int, object] | None = None) -> _BatchHint:
    payloads: dict[int, object] = {}
    ids: dict[tuple[int, str], set[str]] = {}
    for event in batch:
        if parsed is not None and event.pk in parsed:
            payload = parsed[event.pk]
        else:
            try:
                payload = json.loads(bytes(event.body))
            except (ValueError, UnicodeDecodeError):
                continue  # _process_one parses it again and fails the event with the reason
        payloads[event.pk] = payload
        if not isinstance(payload, dict):
            continue
        inner = (payload.get("data") or {}).get("object") if event.source == "stripe" else payload
        if isinstance(inner, dict) and inner.get("id") is not None:
            ids.setdefault((event.merchant_id, event.source), set()).add(str(inner["id"]))
    present: dict[tuple[int, str], set[tuple[str, str]]] = {}
    for (merchant_id, source), external_ids in ids.items():
        present[(merchant_id, source)] = set(
            SyncedObject.objects.filter(
                merchant_id=merchant_id, source=source, external_id__in=external_ids
            ).values_list("kind", "external_id")
        )
    return _BatchHint(payloads, {k: frozenset(v) for k, v in ids.items()}, present)


def events_process(*, now: datetime, limit: int = 2000, batch_size: int = 200, bulk: bool = True) -> int:
    """Process received events oldest first, a batch per transaction; returns how many were processed.

    On PostgreSQL batches are claimed with SKIP LOCKED, so several workers share the backlog. Within a batch,
    consecutive events that are new debts (`NewDebt`) are written together, set-based (`batch.write_run`);
    everything else goes one by one in its own savepoint. `bulk=False` processes every event one by one.
    """
    done = 0
    connections: dict[tuple[int, str], Connection | None] = {}
    while done < limit:
        with transaction.atomic():
            qs = InboundEvent.objects.filter(status=EventStatus.RECEIVED).order_by("id")
            if db_connection.vendor == "postgresql":
                qs = qs.select_for_update(skip_locked=True)
            batch = list(qs[: min(batch_size, limit - done)])
            if not batch:
                break
            for event in batch:
                key = (event.merchant_id, event.source)
                if key not in connections:
                    connections[key] = (
                        Connection.objects.select_related("merchant")
                        .filter(merchant_id=event.merchant_id, source=event.source)
                        .order_by("disconnected_at", "-id")
                        .first()
                    )
            releases = _process_batch(batch, connections, now, bulk)
            _save_results(batch)
            _release(releases)
        done += len(batch)
    return done


_RESULTS_UPDATE = """
UPDATE integrations_inboundevent e SET status = v.status, outcome = v.outcome, error_field = v.error_field,
    held_for = v.held_for, attempts = v.attempts, processed_at = v.processed_at
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::int[], %s::timestamptz[])
    AS v(id, status, outcome, error_field, held_for, attempts, processed_at)
WHERE e.id = v.id
"""


def _save_results(batch: list[InboundEvent]) -> None:
    """Store each event's status and outcome: one statement (the ORM's bulk_update builds a CASE per field
    and row, which cost more than processing the batch)."""
    if db_connection.vendor != "postgresql":
        InboundEvent.objects.bulk_update(
            batch, ["status", "outcome", "error_field", "held_for", "attempts", "processed_at"]
        )
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            _RESULTS_UPDATE,
            [[e.pk for e in batch], [e.status for e in batch], [e.outcome for e in batch],
             [e.error_field for e in batch], [e.held_for for e in batch], [e.attempts for e in batch],
             [e.processed_at for e in batch]],
        )  # fmt: skip


def _process_batch(
    batch: list[InboundEvent], connections: dict, now: datetime, bulk: bool
) -> set[tuple[int, str]]:
    """Split the batch into runs of new debts and single events, in the batch's order, and process them.

    A run ends before any event that is not a new debt, and before a new debt whose object is already in the
    run or whose customer appears in the run with other details: so every object sees its events in order.
    """
    parsed: dict[int, object] = {}
    plans: dict[int, Item] = {}
    for event in batch:
        try:
            payload = json.loads(bytes(event.body))
        except (ValueError, UnicodeDecodeError):
            continue
        parsed[event.pk] = payload
        conn = connections[(event.merchant_id, event.source)]
        if (
            not bulk
            or conn is None
            or not isinstance(payload, dict)
            or event.topic not in plugin_for(event.source).topics
        ):
            continue
        new_debt = getattr(plugin_for(event.source), "new_debt", None)
        if new_debt is None:
            continue
        ctx = Context(merchant=conn.merchant, connection=conn, event=event, now=now)
        try:
            debt = new_debt(ctx, event.topic, payload)
        except Exception:  # noqa: BLE001 - an odd payload is the one-by-one path's to fail, with its reason
            debt = None
        if debt is not None:
            plans[event.pk] = Item(event, ctx, debt)
    single = [e for e in batch if e.pk not in plans]
    hint = _batch_hint(single, parsed) if single else None

    releases: set[tuple[int, str]] = set()
    run: list[Item] = []
    objects: set[tuple] = set()
    customers: dict[tuple, dict] = {}

    def flush() -> None:
        for event, keys in _write_run(run, now):
            releases.update((event.merchant_id, key) for key in keys)
        run.clear()
        objects.clear()
        customers.clear()

    def one(event: InboundEvent) -> None:
        key = (event.merchant_id, event.source)
        for release in _process_one(event, connections[key], now, hint):
            releases.add((event.merchant_id, release))

    for event in batch:
        item = plans.get(event.pk)
        if item is None:
            flush()
            one(event)
            continue
        scope = (event.merchant_id, event.source)
        obj = (*scope, item.debt.kind, item.debt.external_id)
        who = (*scope, item.debt.customer_key())
        if obj in objects or customers.get(who, item.debt.customer) != item.debt.customer:
            flush()
        run.append(item)
        objects.add(obj)
        customers[who] = item.debt.customer
    flush()
    return releases


def _write_run(run: list, now: datetime) -> list[tuple[InboundEvent, tuple[str, ...]]]:
    """Write a run set-based in a savepoint; what it hands back, or all of it should the run fail, one by one
    (each in its own savepoint, so one bad event never loses the batch)."""
    if not run:
        return []
    try:
        with transaction.atomic():
            written, alone = write_run(run, now)
    except Exception as exc:  # noqa: BLE001 - the run is redone one by one, where each event gets its reason
        if not isinstance(exc, OperationalError | IntegrityError):
            log.warning("integrations: run of %d new debts redone one by one: %r", len(run), exc)
        written, alone = [], list(run)
    done = []
    for item, outcome in written:
        event = item.event
        event.attempts += 1
        event.processed_at = now
        event.error_field = event.held_for = ""
        event.status, event.outcome = EventStatus.PROCESSED, outcome[:500]
        done.append((event, item.debt.releases))
    hint = _batch_hint([i.event for i in alone]) if alone else None
    for item in alone:
        done.append((item.event, _process_one(item.event, item.ctx.connection, now, hint)))
    return done


def event_replay(*, event: InboundEvent, now: datetime | None = None) -> InboundEvent:
    """Process a stored, verified event again (after a fix, or to prove a replay changes nothing)."""
    from settle.customers.validation import FieldError

    if not event.verified:
        raise FieldError("event_id", "an unverified request is never processed")
    if event.topic not in plugin_for(event.source).topics:
        raise FieldError("event_id", f"topic {event.topic or '(none)'} is not processed")
    conn = (
        Connection.objects.select_related("merchant")
        .filter(merchant_id=event.merchant_id, source=event.source)
        .order_by("disconnected_at", "-id")
        .first()
    )
    with transaction.atomic():
        releases = _process_one(event, conn, now or clock.now())
        event.save(update_fields=["status", "outcome", "error_field", "held_for", "attempts", "processed_at"])
        _release({(event.merchant_id, key) for key in releases})
    return event


def _release(releases: set[tuple[int, str]]) -> None:
    """Held events waiting for objects that just arrived go back to the queue (one query per merchant)."""
    by_merchant: dict[int, list[str]] = {}
    for merchant_id, key in releases:
        by_merchant.setdefault(merchant_id, []).append(key)
    for merchant_id, keys in by_merchant.items():
        InboundEvent.objects.filter(
            merchant_id=merchant_id, status=EventStatus.HELD, held_for__in=keys
        ).update(status=EventStatus.RECEIVED, outcome="released: the object it waited for arrived")


def events_recheck(*, now: datetime) -> int:
    """Objects left alone for a while (a store's retry window, Stripe's retries) get their last event again."""
    due = list(SyncedObject.objects.filter(recheck_at__lte=now).order_by("recheck_at")[:200])
    for obj in due:
        SyncedObject.objects.filter(pk=obj.pk).update(recheck_at=None)
        event = _last_event_for(obj)
        if event is not None:
            # The recheck version must win over the stored one: clear it, the event is the newest we have.
            SyncedObject.objects.filter(pk=obj.pk).update(version=None)
            event_replay(event=event, now=now)
    return len(due)


def _last_event_for(obj: SyncedObject) -> InboundEvent | None:
    for event in InboundEvent.objects.filter(
        merchant_id=obj.merchant_id, source=obj.source, verified=True, status=EventStatus.SKIPPED
    ).order_by("-id")[:500]:
        try:
            payload = json.loads(bytes(event.body))
        except ValueError:
            continue
        inner = ((payload.get("data") or {}).get("object") or {}) if obj.source == "stripe" else payload
        if str(inner.get("id")) == obj.external_id:
            return event
    return None


# --- write-back ----------------------------------------------------------------------------------------
def write_back_queue(
    *, ctx: Context, action: str, external_id: str, payload: dict | None = None
) -> WriteBack | None:
    """Queue a change in the shop, once per (connection, action, object)."""
    if ctx.connection is None:
        return None
    key = f"{ctx.connection.pk}:{action}:{external_id}"
    obj, _ = WriteBack.objects.get_or_create(
        key=key,
        defaults={
            "merchant": ctx.merchant,
            "connection": ctx.connection,
            "action": action,
            "external_id": external_id,
            "payload": payload or {},
            "next_attempt_at": ctx.now,
        },  # fmt: skip
    )
    return obj


WRITE_BACK_BACKOFF = (60, 300, 1800, 7200, 21600, 86400)


def write_backs_send(*, now: datetime, limit: int = 100) -> int:
    """Send queued write-backs to the shops; failures retry with backoff, then stay failed for a person."""
    from .writeback import send

    done = 0
    for wb in WriteBack.objects.select_related("connection").filter(
        status="queued", next_attempt_at__lte=now
    )[:limit]:
        claimed = WriteBack.objects.filter(pk=wb.pk, status="queued", attempts=wb.attempts).update(
            attempts=wb.attempts + 1, next_attempt_at=now + timedelta(minutes=10)
        )
        if not claimed:
            continue
        try:
            send(wb, unseal(wb.connection.secrets_encrypted))
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            attempt = wb.attempts + 1
            final = attempt >= len(WRITE_BACK_BACKOFF)
            WriteBack.objects.filter(pk=wb.pk).update(
                status="failed" if final else "queued", last_error=f"{type(exc).__name__}: {exc}"[:500],
                next_attempt_at=now + timedelta(seconds=WRITE_BACK_BACKOFF[min(attempt, len(WRITE_BACK_BACKOFF)) - 1]),
            )  # fmt: skip
        else:
            WriteBack.objects.filter(pk=wb.pk).update(status="done", done_at=now, last_error="")
        done += 1
    return done


def order_cancel_at_source(*, receivable, at: datetime | None = None) -> WriteBack | None:
    """The engine's last step for a shop order: cancel it in the shop (and restock) if the merchant chose so.

    Returns the queued write-back, or None when the merchant did not choose cancellation or the order is not
    from a connected shop. Settle's own ledger is not touched here: the shop's `orders/cancelled` (or
    `order.updated` to cancelled) comes back as a webhook and closes the receivable the usual way.
    """
    conn = Connection.objects.filter(merchant_id=receivable.merchant_id, source=receivable.source,
                                     disconnected_at__isnull=True).first()  # fmt: skip
    if (
        conn is None
        or conn.source not in ("shopify", "woocommerce")
        or not conn.settings.get("cancel_on_final_step")
    ):
        return None
    now = at or clock.now()
    wb, _ = WriteBack.objects.get_or_create(
        key=f"{conn.pk}:cancel:{receivable.external_id}",
        defaults={
            "merchant_id": receivable.merchant_id,
            "connection": conn,
            "action": "cancel",
            "external_id": receivable.external_id,
            "next_attempt_at": now,
            "payload": {"restock": bool(conn.settings.get("restock_on_cancel"))},
        },  # fmt: skip
    )
    return wb
