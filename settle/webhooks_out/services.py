"""Outbound webhooks: subscriptions, emitting events, signed delivery with retries, resend.

Events are emitted two ways. Facts the ledger and outbox already record (a case opened or closed, a message
sent, a payment received) are collected by `events_collect` from those tables with cursors, so no other app
has to remember to call us. Facts of other apps (promise.made, plan.created, handoff.created) are emitted by
calling `webhook_emit` in the transaction that records them. Each (endpoint, event_key) is delivered once.
"""

from __future__ import annotations

import json
import secrets as pysecrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

from django.apps import apps
from django.db import transaction

from settle.core import clock
from settle.customers.validation import FieldError
from settle.integrations.secrets_box import seal, unseal
from settle.merchants.models import Merchant

from .models import EVENT_TYPES, Cursor, Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from .signing import sign

TIMEOUT_SECONDS = 5
BACKOFF_SECONDS = (30, 120, 600, 3600, 6 * 3600, 24 * 3600)  # then failed, resendable from the app


def endpoint_create(*, merchant: Merchant, url: str, events: list[str] | None = None,
                    description: str = "") -> tuple[Endpoint, str]:  # fmt: skip
    """Subscribe a URL; returns the endpoint and its signing secret (shown once, stored encrypted)."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise FieldError("url", "must be an https:// URL")
    unknown = sorted(set(events or []) - set(EVENT_TYPES))
    if unknown:
        raise FieldError("events", f"unknown event type {unknown[0]!r}")
    secret = f"whsec_{pysecrets.token_urlsafe(24)}"
    endpoint = Endpoint.objects.create(merchant=merchant, url=url, events=sorted(set(events or [])),
                                       description=description[:200], secret_encrypted=seal({"secret": secret}))  # fmt: skip
    return endpoint, secret


def endpoint_disable(*, endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=clock.now())


def webhook_emit(
    *, merchant_id: int, event_type: str, key: str, data: dict, at: datetime | None = None
) -> int:
    """Queue one event for every subscribed endpoint of the merchant; returns deliveries queued.

    `key` names the fact (e.g. "promise.made:42"): emitting the same key twice queues nothing new.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    at = at or clock.now()
    endpoints = [e for e in Endpoint.objects.filter(merchant_id=merchant_id, disabled_at__isnull=True)
                 if e.wants(event_type)]  # fmt: skip
    done = set(
        Delivery.objects.filter(endpoint__in=endpoints, event_key=key[:200]).values_list(
            "endpoint_id", flat=True
        )
    )
    endpoints = [e for e in endpoints if e.pk not in done]
    if not endpoints:
        return 0
    payload = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "created": int(at.timestamp()),
        "data": data,
    }
    rows = [Delivery(merchant_id=merchant_id, endpoint=e, event_type=event_type, event_key=key[:200], payload=payload,
                     next_attempt_at=at, created_at=at) for e in endpoints]  # fmt: skip
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def delivery_resend(*, delivery: Delivery) -> None:
    """Send again now (the merchant fixed their server); the log keeps every earlier attempt."""
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, next_attempt_at=clock.now())


def _post(endpoint: Endpoint, payload: dict, now: datetime) -> tuple[int | None, str]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    secret = unseal(endpoint.secret_encrypted)["secret"]
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "Settle-Webhooks/1",
        "Settle-Signature": sign(secret, body, int(now.timestamp())),
        "Settle-Event-Id": payload["id"], "Settle-Event-Type": payload["type"],
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - merchant URL
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def deliveries_send(*, now: datetime, limit: int = 200) -> int:
    """Send due deliveries; each is claimed with a conditional UPDATE so two workers never both send it."""
    done = 0
    due = Delivery.objects.select_related("endpoint").filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    )
    for delivery in due.order_by("next_attempt_at", "id")[:limit]:
        claimed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                          attempts=delivery.attempts).update(
            attempts=delivery.attempts + 1, next_attempt_at=now + timedelta(seconds=TIMEOUT_SECONDS * 4))  # fmt: skip
        if not claimed:
            continue
        started = time.monotonic()
        code, error = _post(delivery.endpoint, delivery.payload, now)
        attempt = delivery.attempts + 1
        DeliveryAttempt.objects.create(delivery=delivery, at=now, status_code=code, error=error,
                                       duration_ms=int((time.monotonic() - started) * 1000))  # fmt: skip
        if code is not None and 200 <= code < 300:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SUCCEEDED, delivered_at=now,
                                                           last_status_code=code, last_error="")  # fmt: skip
        else:
            failed = attempt > len(BACKOFF_SECONDS)
            wait = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING, last_status_code=code,
                last_error=error or f"HTTP {code}", next_attempt_at=now + timedelta(seconds=wait),
            )  # fmt: skip
        done += 1
    return done


# --- collecting facts from the domain tables ----------------------------------------------------------------
def _cursor(name: str, default: str) -> Cursor:
    cursor, _ = Cursor.objects.get_or_create(name=name, defaults={"position": default})
    return cursor


def events_collect(*, now: datetime, limit: int = 1000) -> int:
    """Emit case.opened / case.closed / message.sent / payment.received for facts recorded since last time."""
    if not Endpoint.objects.filter(disabled_at__isnull=True).exists():
        return 0
    Case = apps.get_model("cases", "Case")
    Message = apps.get_model("communications", "Message")
    Payment = apps.get_model("ledger", "Payment")
    emitted = 0
    with transaction.atomic():
        cursor = _cursor("case.opened", "0")
        rows = list(Case.objects.filter(pk__gt=int(cursor.position)).order_by("pk")[:limit])
        for case in rows:
            emitted += webhook_emit(merchant_id=case.merchant_id, event_type="case.opened", key=f"case.opened:{case.pk}",
                                    data=_case(case), at=now)  # fmt: skip
        if rows:
            Cursor.objects.filter(pk=cursor.pk).update(position=str(rows[-1].pk))
        cursor = _cursor("payment.received", "0")
        rows = list(Payment.objects.filter(pk__gt=int(cursor.position)).order_by("pk")[:limit])
        for p in rows:
            emitted += webhook_emit(merchant_id=p.merchant_id, event_type="payment.received", key=f"payment:{p.pk}",
                                    data={"payment_id": p.pk, "customer_id": p.customer_id, "amount_minor": p.amount_minor,
                                          "currency": p.currency, "source": p.source, "external_id": p.external_id,
                                          "received_at": p.received_at.isoformat()}, at=now)  # fmt: skip
        if rows:
            Cursor.objects.filter(pk=cursor.pk).update(position=str(rows[-1].pk))
        # Times, not ids: a case closes and a message is sent long after the row was created. A small overlap
        # re-reads the edge; the unique event key drops what was already emitted.
        for name, model, field in (("case.closed", Case, "closed_at"), ("message.sent", Message, "sent_at")):
            cursor = _cursor(name, "")
            since = (
                datetime.fromisoformat(cursor.position) - timedelta(minutes=5) if cursor.position else None
            )
            qs = model.objects.filter(**{f"{field}__isnull": False, f"{field}__lte": now})
            if since is not None:
                qs = qs.filter(**{f"{field}__gte": since})
            rows = list(qs.order_by(field, "pk")[:limit])
            for row in rows:
                if name == "case.closed":
                    data = _case(row)
                else:
                    data = {"message_id": row.pk, "case_id": row.case_id, "customer_id": row.customer_id,
                            "channel": row.channel, "template_key": row.template_key, "step_key": row.step_key,
                            "sent_at": row.sent_at.isoformat()}  # fmt: skip
                key = f"{name}:{row.pk}:{getattr(row, field).isoformat()}"
                emitted += webhook_emit(
                    merchant_id=row.merchant_id, event_type=name, key=key, data=data, at=now
                )
            if rows:
                Cursor.objects.filter(pk=cursor.pk).update(position=getattr(rows[-1], field).isoformat())
    return emitted


def _case(case) -> dict:
    return {"case_id": case.pk, "customer_id": case.customer_id, "currency": case.currency, "stage": case.stage,
            "opened_at": case.opened_at.isoformat(), "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "outcome": case.outcome}  # fmt: skip
