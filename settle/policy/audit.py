"""An after-the-fact audit of contacts against a rule pack: which ones fell outside a window or broke a cap.

Independent of `compliance.next_lawful_moment` (it re-derives windows and caps from the pack), so the
simulation and the tests can prove the engine never scheduled anything unlawful.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .compliance import day_type
from .rules import resolve


def audit(
    code: str, debtor_kind: str, timezone: str, contacts: Sequence[tuple[datetime, str]]
) -> list[tuple]:
    j = resolve(code)
    tz = ZoneInfo(timezone)
    bad: list[tuple] = []
    for t, channel in contacts:
        local = t.astimezone(tz)
        kind = day_type(j, local.date())
        window = None if debtor_kind == "business" and kind != "working_day" else j.pack.window(kind)
        if window is None or not (window.start <= local.time() < window.end):
            bad.append(("window", t, channel))
    for cap in j.pack.caps:
        times = sorted(t for t, ch in contacts if cap.applies_to(ch))
        if cap.days:
            span = timedelta(days=cap.days)
            for i, start in enumerate(times):
                if sum(1 for t in times[i:] if t < start + span) > cap.max:
                    bad.append(("cap", cap.label, cap.scope, start))
        else:
            groups: dict = defaultdict(int)
            for t in times:
                d = t.astimezone(tz).date()
                key = (
                    d
                    if cap.period == "day"
                    else d.isocalendar()[:2]
                    if cap.period == "week"
                    else (d.year, d.month)
                )
                groups[key] += 1
            bad.extend(("cap", cap.period, cap.scope, k) for k, n in groups.items() if n > cap.max)
    return bad
