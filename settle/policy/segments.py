"""Segmentation: which kind of late payer is this, and which facts say so (part of every explanation)."""

from __future__ import annotations

from dataclasses import dataclass, field

SEGMENTS = ("business", "repeat_late", "loyal_first_late", "high_value", "new", "standard")


@dataclass(frozen=True)
class SegmentThresholds:
    """Per-merchant thresholds (Merchant settings may override the defaults)."""

    loyal_min_on_time_orders: int = 5
    repeat_late_min: int = 2
    new_max_orders: int = 1
    high_value_minor: int = 500_000


@dataclass(frozen=True)
class CustomerFacts:
    kind: str  # consumer | business
    orders_count: int
    late_last_12m: int  # earlier cases opened in the last 12 months (this one excluded)
    balance_minor: int


@dataclass(frozen=True)
class Segment:
    code: str
    facts: dict[str, int | str] = field(hash=False, compare=False)

    def summary(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.facts.items())


def segment_for(facts: CustomerFacts, thresholds: SegmentThresholds = SegmentThresholds()) -> Segment:
    """First match wins: business, repeat late, loyal late for the first time, high value, new, standard."""
    on_time = max(facts.orders_count - facts.late_last_12m, 0)
    shown = {
        "orders": facts.orders_count,
        "late_12m": facts.late_last_12m,
        "balance_minor": facts.balance_minor,
    }
    if facts.kind == "business":
        return Segment("business", {"kind": "business", **shown})
    if facts.late_last_12m >= thresholds.repeat_late_min:
        return Segment("repeat_late", {**shown, "repeat_late_min": thresholds.repeat_late_min})
    if facts.late_last_12m == 0 and on_time >= thresholds.loyal_min_on_time_orders:
        return Segment("loyal_first_late", {**shown, "loyal_min": thresholds.loyal_min_on_time_orders})
    if facts.balance_minor >= thresholds.high_value_minor:
        return Segment("high_value", {**shown, "high_value_minor": thresholds.high_value_minor})
    if facts.orders_count <= thresholds.new_max_orders:
        return Segment("new", {**shown, "new_max_orders": thresholds.new_max_orders})
    return Segment("standard", shown)
