"""The one door to the engine's send-time compliance check (`settle.policy.compliance`).

Imported lazily: the engine ships it on another branch. Until it is present, the legal check passes (the
decision was already checked when it was made) and every other send-time check here still applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    not_before: datetime | None = None
    reason: str = ""


def _compliance():
    try:
        from settle.policy import compliance
    except ImportError:
        return None
    return compliance


def compliance_recheck(*, customer, channel: str, at: datetime, recent_contacts: Sequence[tuple[datetime, str]],
                       opted_out: frozenset[str], disputed: bool,
                       last_conversation_at: datetime | None) -> Verdict:  # fmt: skip
    """Ask the policy whether this contact is lawful now; blocked → the next lawful moment and why."""
    compliance = _compliance()
    if compliance is None:
        return Verdict(True)
    jurisdiction = compliance.jurisdiction_for(
        customer.country or "", customer.region or "", customer.city or ""
    )
    check = compliance.send_time_check(
        jurisdiction=jurisdiction, debtor_kind=customer.kind, timezone=customer.timezone or "UTC",
        channel=channel, at=at, recent_contacts=tuple(recent_contacts), opted_out=opted_out,
        disputed=disputed, last_conversation_at=last_conversation_at,
    )  # fmt: skip
    if check.allowed:
        return Verdict(True)
    reason = "; ".join(
        f"{r.code}: {r.text.get('en', '')} ({r.source})" if r.source else f"{r.code}: {r.text.get('en', '')}"
        for r in check.reasons
    )
    return Verdict(False, check.not_before, reason or "blocked by the contact rules")
