"""Writes for Idempotency-Key records: claim before the work, store the response after, purge old ones."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from settle.core import clock
from settle.merchants.models import Merchant

from .models import IdempotencyRecord

RETENTION = timedelta(hours=24)
# A request still "in flight" after this long died without cleaning up (killed worker): its key may be taken
# over, so a client is not locked out for a day by a crash it could not see.
ABANDONED_AFTER = timedelta(minutes=5)
REPLAYED_HEADERS = ("Content-Type", "Location")


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """SHA-256 of the request; JSON bodies are canonicalised so key order and spacing do not matter."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), b"\0", path.encode(), b"\0", canonical):
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to claim a key: `record` is ours to run (`owned`), or an earlier one."""

    record: IdempotencyRecord
    owned: bool


def idempotency_claim(*, merchant: Merchant, key: str, method: str, path: str, fingerprint: str) -> Claim:
    """Insert the key as in flight; if it exists, return the existing record (not owned)."""
    now = clock.now()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                merchant=merchant, key=key, fingerprint=fingerprint, method=method, path=path, created_at=now
            )
        return Claim(record, owned=True)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(merchant=merchant, key=key)
    if record.in_flight and record.fingerprint == fingerprint and record.created_at < now - ABANDONED_AFTER:
        # Conditional UPDATE: of two clients retrying a dead request at once, exactly one takes it over.
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, status_code__isnull=True, created_at=record.created_at
        ).update(created_at=now)
        if taken:
            record.created_at = now
            return Claim(record, owned=True)
    return Claim(record, owned=False)


def idempotency_complete(*, record: IdempotencyRecord, status_code: int, body: bytes, headers: dict) -> None:
    """Store the response so a retry with the same key and body gets exactly it back."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code,
        response_body=body,
        response_headers={k: v for k, v in headers.items() if k in REPLAYED_HEADERS},
        completed_at=clock.now(),
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget a key whose request failed on our side (5xx), so the client may retry it."""
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def idempotency_purge(*, now: datetime) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
