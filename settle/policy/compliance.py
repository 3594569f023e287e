"""The non-overridable compliance layer: when may this debtor be contacted on this channel?

Pure: time, history and preferences are arguments. Decision time (`policy.decide`) and send time
(`communications.delivery`, via `send_time_check`) call the same code, so a message that became unlawful while it
waited (a new contact, an opt-out, a dispute) is caught before it leaves. A blocked contact is postponed to the
next lawful moment with the reasons, never dropped and never sent early; opt-outs and disputes block a channel
indefinitely (the engine then chooses another channel or a collector task).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .reasons import Reason, reason
from .rules import Cap, Jurisdiction, RulePack, Window, jurisdiction_for, resolve

__all__ = ["SendCheck", "Reason", "send_time_check", "jurisdiction_for", "next_lawful_moment", "day_type"]

MAX_STEPS = 400


@dataclass(frozen=True)
class SendCheck:
    allowed: bool
    not_before: datetime | None
    reasons: tuple[Reason, ...]


@lru_cache(maxsize=256)
def _calendar(country: str, subdiv: str | None):
    import holidays

    try:
        return holidays.country_holidays(country, subdiv=subdiv)
    except NotImplementedError:  # an unknown subdivision: fall back to the national calendar
        return holidays.country_holidays(country)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def day_type(jurisdiction: Jurisdiction, day: date) -> str:
    if jurisdiction.holiday_country and day in _calendar(
        jurisdiction.holiday_country, jurisdiction.holiday_subdiv
    ):
        return "public_holiday"
    weekday = day.weekday()
    return "saturday" if weekday == 5 else "sunday" if weekday == 6 else "working_day"


def _window(pack: RulePack, debtor_kind: str, kind_of_day: str) -> Window | None:
    if debtor_kind == "business" and kind_of_day != "working_day":
        return None  # businesses are reached on their working days only
    return pack.window(kind_of_day)


def _midnight_after(local: datetime, tz: ZoneInfo) -> datetime:
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)


def _period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _period_end(day: date, period: str) -> date:
    start = _period_start(day, period)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start + timedelta(days=32)).replace(day=1)
    return start + timedelta(days=1)


def _check_cap(cap: Cap, t: datetime, tz: ZoneInfo, times: list[datetime]) -> datetime | None:
    """Return a later candidate if adding a contact at `t` would exceed `cap`, else None."""
    if cap.days:
        span = timedelta(days=cap.days)
        near = [c for c in times if t - span < c < t + span]
        if len(near) < cap.max:
            return None
        later = [c for c in near if c >= t]
        if later:  # queued contacts ahead of t: go past the last of them (conservative, never early)
            return max(later) + timedelta(microseconds=1) if max(later) >= t else None
        past = sorted(near)
        return past[len(past) - cap.max] + span
    local_day = t.astimezone(tz).date()
    start, end = _period_start(local_day, cap.period), _period_end(local_day, cap.period)
    count = sum(1 for c in times if start <= c.astimezone(tz).date() < end)
    if count < cap.max:
        return None
    return datetime.combine(end, time(0), tzinfo=tz)


def next_lawful_moment(
    *,
    jurisdiction: str | Jurisdiction,
    debtor_kind: str,
    timezone: str,
    channel: str,
    at: datetime,
    recent_contacts: Sequence[tuple[datetime, str]] = (),
    last_conversation_at: datetime | None = None,
) -> tuple[datetime, tuple[Reason, ...]]:
    """The earliest moment ≥ `at` when contacting on `channel` breaks no window, cap or cooling-off rule."""
    j = jurisdiction if isinstance(jurisdiction, Jurisdiction) else resolve(jurisdiction)
    pack = j.pack
    tz = zone(timezone)
    caps = [c for c in pack.caps if c.applies_to(channel)]
    by_cap = {cap: [t for t, ch in recent_contacts if cap.applies_to(ch)] for cap in caps}
    reasons: dict[str, Reason] = {}
    t = at
    cool_until = None
    if last_conversation_at is not None and pack.cooling_off_days and debtor_kind != "business":
        conv_day = last_conversation_at.astimezone(tz).date()
        cool_until = datetime.combine(conv_day + timedelta(days=pack.cooling_off_days), time(0), tzinfo=tz)
    for _ in range(MAX_STEPS):
        moved = False
        if cool_until is not None and t < cool_until:
            reasons.setdefault("cooling_off", reason(
                "cooling_off", pack.cooling_off_source, days=pack.cooling_off_days,
                date=last_conversation_at.astimezone(tz).date().isoformat()))  # fmt: skip
            t, moved = cool_until, True
        local = t.astimezone(tz)
        kind = day_type(j, local.date())
        window = _window(pack, debtor_kind, kind)
        label = f"{pack.code}: {pack.hours_source}"
        if window is None:
            reasons.setdefault("no_contact_day", reason("no_contact_day", label, day=kind, tz=timezone))
            t, moved = _midnight_after(local, tz), True
        elif local.time() < window.start:
            reasons.setdefault("outside_contact_hours", reason(
                "outside_contact_hours", label, day=kind, start=window.start.strftime("%H:%M"), tz=timezone,
                window=f"{window.start:%H:%M}–{window.end:%H:%M}"))  # fmt: skip
            t, moved = datetime.combine(local.date(), window.start, tzinfo=tz), True
        elif local.time() >= window.end:
            reasons.setdefault("after_contact_hours", reason(
                "after_contact_hours", label, day=kind, end=window.end.strftime("%H:%M"), tz=timezone,
                window=f"{window.start:%H:%M}–{window.end:%H:%M}"))  # fmt: skip
            t, moved = _midnight_after(local, tz), True
        else:
            for cap in caps:
                later = _check_cap(cap, t, tz, by_cap[cap])
                if later is not None and later > t:
                    reasons.setdefault(f"cap:{cap.label}:{cap.scope}", reason(
                        "cap_reached", f"{pack.code}: {cap.source}", max=cap.max, scope=cap.scope,
                        period=cap.label))  # fmt: skip
                    t, moved = later, True
                    break
        if not moved:
            return t.astimezone(at.tzinfo), tuple(reasons.values())
    raise RuntimeError(f"no lawful moment found within {MAX_STEPS} steps from {at.isoformat()}")


def blocking_reasons(*, channel: str, opted_out: frozenset[str], disputed: bool) -> tuple[Reason, ...]:
    """Reasons that block a channel indefinitely (no moment will do): a dispute or an opt-out."""
    if disputed:
        return (reason("dispute_open", "reference: cross_cutting; 12 CFR 1006.34 / national practice"),)
    if channel in opted_out or "all" in opted_out:
        return (reason("opted_out", "customer's own request (12 CFR 1006.14(h); CONC 7.9.4R; GDPR art. 21)",
                       channel=channel),)  # fmt: skip
    return ()


def send_time_check(
    *,
    jurisdiction: str,
    debtor_kind: str,
    timezone: str,
    channel: str,
    at: datetime,
    recent_contacts: Sequence[tuple[datetime, str]] = (),
    opted_out: frozenset[str] = frozenset(),
    disputed: bool = False,
    last_conversation_at: datetime | None = None,
) -> SendCheck:
    """May this message go now? If not, when (None = not on this channel until something changes) and why."""
    blocked = blocking_reasons(channel=channel, opted_out=opted_out, disputed=disputed)
    if blocked:
        return SendCheck(False, None, blocked)
    moment, reasons = next_lawful_moment(
        jurisdiction=jurisdiction, debtor_kind=debtor_kind, timezone=timezone, channel=channel, at=at,
        recent_contacts=recent_contacts, last_conversation_at=last_conversation_at,
    )  # fmt: skip
    if moment <= at:
        return SendCheck(True, at, ())
    return SendCheck(False, moment, reasons)
