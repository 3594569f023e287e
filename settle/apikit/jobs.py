"""Worker jobs of the API kit (housekeeping, order 90)."""

from __future__ import annotations

from datetime import datetime

from .services import idempotency_purge as _purge


def idempotency_purge(now: datetime) -> int:
    """Forget Idempotency-Key records older than 24 hours; returns how many were deleted."""
    return _purge(now=now)
