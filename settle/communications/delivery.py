"""The outbox delivery loop: claim due messages, re-check them at send time, render, send, record.

Claims are one statement per batch (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id`
on PostgreSQL), so any number of workers share the queue without sending a row twice. Each claim carries a
lease. Just before a chunk is handed to the provider, `handed_over_at` is stamped: a worker that dies before
that stamp leaves rows that are safely re-queued when the lease expires; rows stamped but not marked are
resolved by the provider's lookup, or end as `unknown` for a person to review — never a blind resend.

Marks are written in bulk per chunk (one UPDATE for all sent, one INSERT for the attempts) to keep the cost per
message to a fraction of a query.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Sum

from settle.core import clock

from .channels import channel_class
from .channels.base import PermanentError, TransientError
from .models import (
    ChannelConfig,
    DeliveryAttempt,
    InboundMessage,
    Message,
    MessageStatus,
    MessageTemplate,
    OutreachSettings,
)
from .recheck import compliance_recheck
from .render import Wording, check_html, render, shipped_wording

log = logging.getLogger("settle.communications.delivery")

LEASE = timedelta(minutes=5)
BATCH_SIZE = 200
CHUNK_SIZE = 50  # messages per hand-over stamp and per bulk mark: also the most a crash can leave `unknown`
MAX_ATTEMPTS = 8
TIME_BUDGET = timedelta(seconds=30)  # let the other worker jobs run between long deliveries
RECENT_WINDOW = timedelta(days=7)
MIN_DEFER = timedelta(minutes=1)
# A final notice whose facts carry no `final_date` gives 14 days from the decided send date (fixed, not "now").
FINAL_NOTICE_PERIOD = timedelta(days=14)
# Notices the law wants in writing: when the customer opted out of the electronic channel they still go by post.
LEGAL_POST_KEYS = frozenset({"final_notice", "agency_handoff"})
# Messages that ask nothing of the customer: no balance check, no daily limit.
COURTESY_KEYS = frozenset({"payment_received"})

PAID_REASON = "cancelled: the balance was paid before sending"


def _fault(point: str) -> None:
    """Fault injection for the crash tests: SETTLE_FAULT_POINT=<point> kills this process with SIGKILL."""
    if os.environ.get("SETTLE_FAULT_POINT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


# --- claiming ----------------------------------------------------------------------------------------------


def claim(now: datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Atomically take up to `limit` due messages: status → sending, with a lease. Returns their ids."""
    lease_until = now + LEASE
    table = Message._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET status = 'sending', lease_until = %s, handed_over_at = NULL
                    WHERE id IN (SELECT id FROM {table} WHERE status = 'queued' AND not_before <= %s
                                 ORDER BY not_before, id LIMIT %s FOR UPDATE SKIP LOCKED)
                    RETURNING id""",
                [lease_until, now, limit],
            )
            return sorted(row[0] for row in cursor.fetchall())
    # SQLite: the settings open transactions IMMEDIATE, so select-then-conditional-update is serialised.
    with transaction.atomic():
        ids = list(
            Message.objects.filter(status=MessageStatus.QUEUED, not_before__lte=now)
            .order_by("not_before", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Message.objects.filter(id__in=ids, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENDING, lease_until=lease_until, handed_over_at=None
            )
    return ids


# --- the facts a batch needs, in a handful of queries ------------------------------------------------------


@dataclass
class BatchFacts:
    balances: dict[tuple[int, str], int] = field(default_factory=dict)
    preferences: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    recent: dict[int, list[tuple[datetime, str]]] = field(default_factory=lambda: defaultdict(list))
    last_inbound: dict[int, datetime] = field(default_factory=dict)
    daily_limit: dict[int, bool] = field(default_factory=dict)
    overrides: dict[tuple[int, str, str, str], Wording] = field(default_factory=dict)
    configs: dict[tuple[int, str], ChannelConfig] = field(default_factory=dict)
    contact_points: dict[int, list] = field(default_factory=lambda: defaultdict(list))


def load_facts(messages: list[Message], now: datetime) -> BatchFacts:
    from settle.customers.models import ContactPoint, ContactPreference
    from settle.ledger.models import Receivable

    facts = BatchFacts()
    customer_ids = {m.customer_id for m in messages}
    merchant_ids = {m.merchant_id for m in messages}
    for row in (
        Receivable.objects.filter(customer_id__in=customer_ids, status="open", balance_minor__gt=0)
        .values("customer_id", "currency")
        .annotate(total=Sum("balance_minor"))
    ):
        facts.balances[(row["customer_id"], row["currency"])] = row["total"]
    for pref in ContactPreference.objects.filter(customer_id__in=customer_ids):
        facts.preferences[pref.customer_id].append(pref)
    for customer_id, sent_at, channel in Message.objects.filter(
        customer_id__in=customer_ids,
        status=MessageStatus.SENT,
        is_test=False,
        sent_at__gte=now - RECENT_WINDOW,
    ).values_list("customer_id", "sent_at", "channel"):
        facts.recent[customer_id].append((sent_at, channel))
    for row in (
        # A STOP is not an invitation to write again the same day; replies and promises are.
        InboundMessage.objects.filter(customer_id__in=customer_ids, kind__in=("reply", "promise"))
        .values("customer_id")
        .annotate(last=Max("received_at"))
    ):
        facts.last_inbound[row["customer_id"]] = row["last"]
    facts.daily_limit = dict(
        OutreachSettings.objects.filter(merchant_id__in=merchant_ids).values_list(
            "merchant_id", "one_message_per_day"
        )
    )
    for t in MessageTemplate.objects.filter(merchant_id__in=merchant_ids):
        facts.overrides[(t.merchant_id, t.template_key, t.tone, t.locale)] = Wording(t.subject, t.body, t.sms)
    for c in ChannelConfig.objects.filter(merchant_id__in=merchant_ids):
        facts.configs[(c.merchant_id, c.kind)] = c
    needing_point = {m.customer_id for m in messages if m.contact_point_id is None}
    if needing_point:
        for point in ContactPoint.objects.filter(customer_id__in=needing_point, disabled_at__isnull=True):
            facts.contact_points[point.customer_id].append(point)
    return facts


# --- the send-time re-check --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    action: str  # send / cancel / defer / fail
    reason: str = ""
    not_before: datetime | None = None
    by_post: bool = False


def _local_day_start(at: datetime, tz: ZoneInfo) -> datetime:
    local = at.astimezone(tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz)


def recheck(message: Message, facts: BatchFacts, now: datetime, sent_today: set[int]) -> Decision:
    """Everything that may have changed since the decision: payment, dispute, opt-out, preferences, limits,
    and the law (via the engine's policy). Pure over `facts` except the policy call."""
    if message.is_test:
        return Decision("send")
    customer = message.customer
    case = message.case
    if message.template_key not in COURTESY_KEYS and case is not None:
        owed = facts.balances.get((message.customer_id, case.currency), 0)
        if not case.is_open and case.outcome == "paid" or owed <= 0:
            return Decision("cancel", PAID_REASON)
    # The engine pauses a case (`paused_until`, `pause_reason`) for disputes and promises; older schemas mark a
    # dispute in `stage`. Read both without depending on either.
    paused_until = getattr(case, "paused_until", None) if case is not None else None
    pause_reason = (getattr(case, "pause_reason", "") or "") if case is not None else ""
    paused = paused_until is not None and paused_until > now
    disputed = case is not None and (
        getattr(case, "disputed_since", None) is not None
        or case.stage == "disputed"
        or (paused and "disput" in pause_reason.lower())
    )
    if message.template_key not in COURTESY_KEYS:
        if disputed:
            return Decision(
                "cancel", "dispute_open: the customer disputes this balance; collection is paused"
            )
        if paused:
            return Decision("defer", f"case_paused: {pause_reason or 'paused'}", paused_until)
    prefs = facts.preferences.get(message.customer_id, [])
    opted_out = frozenset(p.channel for p in prefs if p.opted_out_at is not None)
    if message.channel in opted_out or "all" in opted_out:
        pref = next(p for p in prefs if p.opted_out_at and p.channel in (message.channel, "all"))
        why = f"opted_out: the customer opted out of {pref.channel} ({pref.source}, {pref.opted_out_at:%Y-%m-%d})"
        if (
            message.template_key in LEGAL_POST_KEYS
            and message.channel != "letter"
            and "letter" not in opted_out
        ):
            return Decision("cancel", why + "; this notice is required by law in writing, so it goes by post",
                            by_post=True)  # fmt: skip
        return Decision("cancel", why)
    tz = ZoneInfo(customer.timezone or "UTC")
    local = now.astimezone(tz)
    for pref in prefs:
        in_scope = pref.channel in (message.channel, "all") and pref.preferred_from and pref.preferred_until
        if in_scope and not (pref.preferred_from <= local.time() < pref.preferred_until):
            day = local.date() if local.time() < pref.preferred_from else local.date() + timedelta(days=1)
            at = datetime.combine(day, pref.preferred_from, tzinfo=tz)
            return Decision("defer", f"preferred_hours: the customer prefers {pref.preferred_from:%H:%M}–"
                                f"{pref.preferred_until:%H:%M} local time", at)  # fmt: skip
    recent = facts.recent.get(message.customer_id, [])
    if message.template_key not in COURTESY_KEYS and facts.daily_limit.get(message.merchant_id, True):
        day_start = _local_day_start(now, tz)
        last_today = max((s for s, _c in recent if s >= day_start), default=None)
        acted = facts.last_inbound.get(message.customer_id)
        if message.customer_id in sent_today or (last_today and not (acted and acted > last_today)):
            nxt = datetime.combine(local.date() + timedelta(days=1), time(9), tzinfo=tz)
            return Decision("defer", "daily_limit: at most one message per customer per day", nxt)
    verdict = compliance_recheck(
        customer=customer, channel=message.channel, at=now, recent_contacts=recent, opted_out=opted_out,
        disputed=disputed, last_conversation_at=facts.last_inbound.get(message.customer_id),
    )  # fmt: skip
    if not verdict.allowed:
        if verdict.not_before is None:
            return Decision("cancel", verdict.reason)
        return Decision("defer", verdict.reason, verdict.not_before)
    return Decision("send")


# --- delivering a batch ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    message: Message
    status: str
    reason: str = ""
    not_before: datetime | None = None
    provider_ref: str = ""
    attempt: str = ""  # DeliveryAttempt outcome; "" → none recorded
    counts: bool = False  # a real try (increments attempts)
    disable_point: object = None
    touch_case: bool = False
    by_post: bool = False


@lru_cache(maxsize=1024)
def _check_override_html(body: str) -> None:
    check_html(body)


def _wording(message: Message, facts: BatchFacts) -> Wording:
    key = (message.merchant_id, message.template_key, message.tone, message.locale)
    if key in facts.overrides:
        wording = facts.overrides[key]
        _check_override_html(wording.body)  # saved before a check, or written around it: refuse, don't send
        return wording
    return shipped_wording(message.template_key, message.tone, message.locale)[0]


def _contact_point(message: Message, kind: str | None, facts: BatchFacts):
    if kind is None:
        return None
    point = message.contact_point
    if point is not None:
        return point
    candidates = [p for p in facts.contact_points.get(message.customer_id, []) if p.kind == kind]
    return candidates[0] if candidates else None


def unsubscribe_headers(message: Message) -> dict[str, str]:
    from .optout import unsubscribe_url

    return {
        "List-Unsubscribe": f"<{unsubscribe_url(message)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


PARTS = {
    "email": frozenset({"text", "html"}),
    "sms": frozenset({"sms"}),
    "webhook": frozenset({"text", "sms"}),
    "portal": frozenset({"text"}),
    "letter": frozenset({"text"}),
}


def render_message(message: Message, wording: Wording):
    from .optout import preferences_label

    merchant = message.merchant
    rendered = render(
        wording=wording, context=message.context or {}, locale=message.locale or "en",
        name=message.customer.name, merchant_name=merchant.display_name, code=str(message.code),
        brand_color=merchant.brand_color, support_email=merchant.support_email,
        prefs_label=preferences_label(message.locale), parts=PARTS.get(message.channel, PARTS["email"]),
        final_date_default=(message.not_before.date() + FINAL_NOTICE_PERIOD).isoformat(),
    )  # fmt: skip
    if message.channel == "email":
        rendered.headers.update(unsubscribe_headers(message))
    return rendered


def deliver_batch(ids: list[int], now: datetime) -> int:
    """Deliver claimed messages; returns how many were handled (sent, cancelled, deferred or failed)."""
    messages = list(
        Message.objects.filter(id__in=ids, status=MessageStatus.SENDING)
        .select_related("customer", "merchant", "case", "contact_point")
        .order_by("id")
    )
    if not messages:
        return 0
    facts = load_facts(messages, now)
    channels: dict[tuple[str, int | None], object] = {}
    sent_today: set[int] = set()
    handled = 0
    try:
        for start in range(0, len(messages), CHUNK_SIZE):
            chunk = messages[start : start + CHUNK_SIZE]
            ready, outcomes = [], []
            for message in chunk:
                decision = recheck(message, facts, now, sent_today)
                if decision.action == "cancel":
                    outcomes.append(Outcome(message, MessageStatus.CANCELLED, decision.reason, attempt="blocked",
                                            by_post=decision.by_post, touch_case=decision.by_post))  # fmt: skip
                    continue
                if decision.action == "defer":
                    outcomes.append(Outcome(message, MessageStatus.QUEUED, decision.reason, decision.not_before,
                                            attempt="blocked"))  # fmt: skip
                    continue
                cls = channel_class(message.channel)
                point = _contact_point(message, cls.contact_kind, facts)
                if cls.contact_kind is not None and (point is None or point.disabled_at is not None):
                    outcomes.append(Outcome(message, MessageStatus.FAILED, f"no usable {cls.contact_kind} contact "
                                            "point", attempt="permanent_error", touch_case=True))  # fmt: skip
                    continue
                try:
                    rendered = render_message(message, _wording(message, facts))
                except Exception as exc:  # a bad template or bad facts: recorded, never half-sent
                    outcomes.append(Outcome(message, MessageStatus.FAILED, f"render_failed: {exc}",
                                            attempt="render_error", touch_case=True))  # fmt: skip
                    continue
                if not message.is_test and message.template_key not in COURTESY_KEYS:
                    sent_today.add(message.customer_id)
                ready.append((message, point, rendered))
            if ready:
                Message.objects.filter(id__in=[m.pk for m, _p, _r in ready]).update(handed_over_at=now)
            for index, (message, point, rendered) in enumerate(ready):
                config = facts.configs.get((message.merchant_id, message.channel))
                key = (message.channel, config.pk if config else None)
                channel = channels.get(key)
                if channel is None:
                    channel = channels[key] = channel_class(message.channel)(config)
                    channel.open()
                try:
                    result = channel.send(message, rendered, point)
                except PermanentError as exc:
                    outcomes.append(Outcome(message, MessageStatus.FAILED, f"permanent_error: {exc}",
                                            attempt="permanent_error", counts=True, disable_point=point,
                                            touch_case=True))  # fmt: skip
                    continue
                except (TransientError, OSError) as exc:
                    outcomes.append(Outcome(message, MessageStatus.QUEUED, f"transient_error: {exc}",
                                            now + backoff(message.attempts + 1), attempt="transient_error",
                                            counts=True))  # fmt: skip
                    continue
                if message.contact_point_id is None and point is not None:
                    message.contact_point = point  # remembered, so receipts can find the point
                    message._point_resolved = True
                outcomes.append(Outcome(message, MessageStatus.SENT, provider_ref=result.provider_ref,
                                        attempt="sent", counts=True))  # fmt: skip
                if index == 0:
                    _fault("after_send_before_mark")
            record(outcomes, now)
            handled += len(outcomes)
    finally:
        for channel in channels.values():
            channel.close()
    return handled


def record(outcomes: list[Outcome], now: datetime) -> None:
    """Write a chunk's outcomes: one UPDATE for all sent, individual rows for the rest, attempts in bulk."""
    from settle.cases.services import case_touch
    from settle.customers.services import contact_point_disable

    if not outcomes:
        return
    with transaction.atomic():
        sent = [o for o in outcomes if o.status == MessageStatus.SENT]
        if sent:
            Message.objects.filter(id__in=[o.message.pk for o in sent], status=MessageStatus.SENDING).update(
                status=MessageStatus.SENT, sent_at=now, lease_until=None, status_reason="",
                attempts=F("attempts") + 1,
            )  # fmt: skip
            changed = [o for o in sent if o.provider_ref or getattr(o.message, "_point_resolved", False)]
            for o in changed:
                o.message.provider_ref = o.provider_ref[:200]
            if changed:
                Message.objects.bulk_update([o.message for o in changed], ["provider_ref", "contact_point"])
        for o in outcomes:
            if o.status == MessageStatus.SENT:
                continue
            status = o.status
            reason = o.reason
            if status == MessageStatus.QUEUED and o.counts and o.message.attempts + 1 >= MAX_ATTEMPTS:
                status, reason = MessageStatus.FAILED, f"{reason} (gave up after {MAX_ATTEMPTS} attempts)"
                o.touch_case = True
            fields = {"status": status, "status_reason": reason[:500], "lease_until": None}
            if status == MessageStatus.QUEUED:
                # Never re-queue into the past: a wrong "next lawful moment" must not spin the loop.
                fields["not_before"] = max(o.not_before or now, now + MIN_DEFER)
                fields["handed_over_at"] = None
            if o.counts:
                fields["attempts"] = F("attempts") + 1
            Message.objects.filter(pk=o.message.pk, status=MessageStatus.SENDING).update(**fields)
            if o.disable_point is not None:
                contact_point_disable(point=o.disable_point, reason=reason, at=now)
            if o.by_post:
                _queue_letter_instead(o.message, now)
            if o.touch_case and o.message.case_id:
                # The engine re-decides at once: another channel, or a task for a collector.
                case_touch(customer=o.message.customer, currency=o.message.case.currency, at=now)
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    message_id=o.message.pk,
                    started_at=now,
                    finished_at=clock.now(),
                    outcome=o.attempt,
                    detail=(o.reason or "")[:2000],
                    provider_ref=o.provider_ref[:200],
                )
                for o in outcomes
                if o.attempt
            ]  # fmt: skip
        )


def _queue_letter_instead(message: Message, now: datetime) -> None:
    """A legally required notice the customer may not get electronically goes by post, if we have an address."""
    from settle.customers.models import ContactPoint

    point = ContactPoint.objects.filter(
        customer_id=message.customer_id, kind="postal", disabled_at__isnull=True
    ).first()
    if point is None:
        Message.objects.filter(pk=message.pk).update(
            status_reason=(
                message.status_reason + "; no postal address on file — a collector must follow up"
            )[:500]
        )
        return
    key = (
        f"case-{message.case_id}-{message.step_key}-letter" if message.case_id else f"msg-{message.pk}-letter"
    )
    Message.objects.get_or_create(
        idempotency_key=key,
        defaults=dict(merchant_id=message.merchant_id, case_id=message.case_id, customer_id=message.customer_id,
                      step_key=message.step_key, channel="letter", contact_point=point,
                      template_key=message.template_key, tone=message.tone, locale=message.locale,
                      context=message.context, not_before=now,
                      status_reason="required by law in writing; the customer opted out of "
                      f"{message.channel}"),
    )  # fmt: skip


# --- crash recovery ----------------------------------------------------------------------------------------


def recover_expired(now: datetime, limit: int = 500) -> int:
    """Resolve messages whose worker died mid-batch (lease expired). Never resends blindly.

    Not yet handed over → back to the queue. Handed over → ask the provider (channel.lookup): it has it → sent;
    it never got it → queued; it cannot tell → `unknown`, shown on the review page.
    """
    resolved = 0
    with transaction.atomic():
        stale = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SENDING, lease_until__lt=now)
            .select_related("merchant")[:limit]
        )
        if not stale:
            return 0
        never_sent = [m.pk for m in stale if m.handed_over_at is None]
        if never_sent:
            Message.objects.filter(pk__in=never_sent).update(
                status=MessageStatus.QUEUED, lease_until=None,
                status_reason="re-queued: the worker stopped before handing it to the provider",
            )  # fmt: skip
        attempts = []
        for message in (m for m in stale if m.handed_over_at is not None):
            config = ChannelConfig.objects.filter(
                merchant_id=message.merchant_id, kind=message.channel
            ).first()
            try:
                found = channel_class(message.channel)(config).lookup(message)
            except Exception as exc:  # a failing lookup is the same as "cannot tell"
                log.warning("lookup failed for message %s: %s", message.pk, exc)
                found = None
            if found is True:
                fields = {"status": MessageStatus.SENT, "sent_at": message.handed_over_at,
                          "status_reason": "confirmed by the provider after an interrupted send"}  # fmt: skip
            elif found is False:
                fields = {"status": MessageStatus.QUEUED, "handed_over_at": None,
                          "status_reason": "re-queued: the provider confirms it never received it"}  # fmt: skip
            else:
                fields = {"status": MessageStatus.UNKNOWN,
                          "status_reason": "unknown: the worker stopped after handing it over and the provider "
                          "cannot confirm delivery — review before resending"}  # fmt: skip
            Message.objects.filter(pk=message.pk).update(lease_until=None, **fields)
            attempts.append(DeliveryAttempt(message_id=message.pk, started_at=message.handed_over_at or now,
                                            finished_at=now, outcome="unknown" if found is None else "recovered",
                                            detail=fields["status_reason"]))  # fmt: skip
        DeliveryAttempt.objects.bulk_create(attempts)
        resolved = len(stale)
    return resolved


def deliver_due(now: datetime, *, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Worker job (order 50): recover expired leases, then deliver due messages batch by batch."""
    batch_size = batch_size or getattr(settings, "SETTLE_OUTBOX_BATCH_SIZE", BATCH_SIZE)
    done = recover_expired(now)
    started = clock.now()
    batches = 0
    while max_batches is None or batches < max_batches:
        at = max(now, clock.now())
        ids = claim(at, batch_size)
        if not ids:
            break
        _fault("after_claim")
        done += deliver_batch(ids, at)
        batches += 1
        if clock.now() - started > TIME_BUDGET:
            break
    return done


def message_retry_unknown(*, message: Message, at: datetime) -> None:
    """A person checked an `unknown` message and decided it did not arrive: queue it again."""
    Message.objects.filter(pk=message.pk, status=MessageStatus.UNKNOWN).update(
        status=MessageStatus.QUEUED,
        not_before=at,
        handed_over_at=None,
        status_reason="re-queued after review",
    )


def message_confirm_unknown(*, message: Message) -> None:
    """A person confirmed an `unknown` message did arrive."""
    Message.objects.filter(pk=message.pk, status=MessageStatus.UNKNOWN).update(
        status=MessageStatus.SENT, sent_at=F("handed_over_at"), status_reason="confirmed sent after review"
    )


def deliver_one(message_id: int, now: datetime) -> int:
    """Deliver one queued message now through the normal path (the "send a test to me" button)."""
    claimed = Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, lease_until=now + LEASE, handed_over_at=None
    )
    return deliver_batch([message_id], now) if claimed else 0
