"""`decide(snapshot, now, rules) -> Decision`: the next step of a case's ladder, made lawful and explained.

Strategies propose (the ordered steps of the case's strategy version); compliance disposes (`compliance.py`):
a step due now is sent on the first channel the debtor has not opted out of, at the next lawful moment, or it
becomes a collector task when no channel is possible. Nothing here reads a clock or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .compliance import blocking_reasons, next_lawful_moment, zone
from .interest import (
    COMPENSATION,
    INTEREST_SERIES,
    FxFact,
    RateFact,
    compensation_minor,
    consumer_rate_allowed,
    first_default_day,
    interest_minor,
    pl_rate_day,
)
from .once import once
from .reasons import Reason, build_reason, reason
from .rules import Jurisdiction, resolve
from .segments import Segment

ACTIONS = ("message", "collector_task", "offer_plan", "final_notice", "agency_handoff", "apply_fee_interest")
MESSAGE_ACTIONS = frozenset({"message", "offer_plan", "final_notice"})
LEGAL_ACTIONS = frozenset({"final_notice", "agency_handoff"})
WATCH = timedelta(days=7)
MIN_GAP = timedelta(days=1)


@dataclass(frozen=True)
class StepSpec:
    key: str
    offset_days: int
    action: str
    channels: tuple[str, ...] = ()
    template_key: str = ""
    tone: str = "neutral"
    segments: tuple[str, ...] = ()
    min_minor: int | None = None
    max_minor: int | None = None
    countries: tuple[str, ...] = ()
    debtor_kinds: tuple[str, ...] = ()
    timezones: tuple[str, ...] = ()

    def mismatch(
        self, *, segment: str, balance_minor: int, country: str, kind: str, timezone: str = ""
    ) -> str:
        """Why this step's conditions do not match the case ("" = they match)."""
        if self.segments and segment not in self.segments:
            return f"segment {segment} not in {'/'.join(self.segments)}"
        if self.min_minor is not None and balance_minor < self.min_minor:
            return f"balance {balance_minor} < {self.min_minor}"
        if self.max_minor is not None and balance_minor > self.max_minor:
            return f"balance {balance_minor} > {self.max_minor}"
        if self.countries and country not in self.countries:
            return f"country {country or '?'} not in {'/'.join(self.countries)}"
        if self.debtor_kinds and kind not in self.debtor_kinds:
            return f"{kind} debtor"
        if self.timezones and timezone not in self.timezones:
            return f"time zone {timezone} not in {'/'.join(self.timezones)}"
        return ""


@dataclass(frozen=True)
class ReceivableFact:
    id: int
    number: str
    amount_minor: int
    balance_minor: int
    due_date: date


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: int
    currency: str
    debtor_kind: str
    country: str
    timezone: str
    locale: str
    jurisdiction: str
    segment: Segment
    steps: tuple[StepSpec, ...]
    step_index: int
    receivables: tuple[ReceivableFact, ...]
    contacts: tuple[tuple[datetime, str], ...] = ()
    channels_available: frozenset[str] = frozenset()
    opted_out: frozenset[str] = frozenset()
    disputed: bool = False
    paused_until: datetime | None = None
    last_conversation_at: datetime | None = None
    final_notice_at: datetime | None = None
    consumer_interest_percent: Decimal | None = None
    interest_through: dict[int, date] = field(default_factory=dict, hash=False, compare=False)
    compensated: frozenset[int] = frozenset()
    # The pending promise to pay's date, if any: nothing escalates through that day (debtor's local time).
    promised_until: date | None = None

    @once
    def balance_minor(self) -> int:
        return sum(r.balance_minor for r in self.receivables if r.balance_minor > 0)

    @once
    def oldest_due(self) -> date | None:
        dues = [r.due_date for r in self.receivables if r.balance_minor > 0]
        return min(dues) if dues else None


@dataclass(frozen=True)
class Rules:
    jurisdiction: Jurisdiction
    rates: tuple[RateFact, ...] = ()
    fx: tuple[FxFact, ...] = ()  # published exchange rates, for compensation fixed in another currency

    @classmethod
    def for_code(cls, code: str, rates: tuple[RateFact, ...] = (), fx: tuple[FxFact, ...] = ()) -> Rules:
        return cls(resolve(code), rates, fx)


@dataclass(frozen=True)
class PlannedMessage:
    step_key: str
    channel: str
    template_key: str
    tone: str
    not_before: datetime


@dataclass(frozen=True)
class PlannedTask:
    step_key: str
    kind: str
    due_at: datetime
    note: str


@dataclass(frozen=True)
class PlannedCharge:
    receivable_id: int
    kind: str  # fee | interest
    amount_minor: int
    memo: str
    through: date


@dataclass(frozen=True)
class Decision:
    case_id: int
    step_key: str
    action: str
    step_index: int
    stage: str
    next_check_at: datetime
    messages: tuple[PlannedMessage, ...] = ()
    tasks: tuple[PlannedTask, ...] = ()
    charges: tuple[PlannedCharge, ...] = ()
    reasons: tuple[Reason, ...] = ()
    promise_broken: bool = False  # the pending promise's day has passed unpaid: the caller marks it broken


def _local_midnight(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(tz_name))


def step_due_at(snapshot: CaseSnapshot, step: StepSpec) -> datetime | None:
    due = snapshot.oldest_due
    if due is None:
        return None
    return _local_midnight(due + timedelta(days=step.offset_days), snapshot.timezone)


def promise_wakes_at(promised_for: date, tz_name: str) -> datetime:
    """When a case under a promise is next looked at: the start of the day after the promised day, debtor time."""
    return _local_midnight(promised_for + timedelta(days=1), tz_name)


def _barred_on(snapshot: CaseSnapshot, rules: Rules) -> date | None:
    return barred_on(oldest_due=snapshot.oldest_due, debtor_kind=snapshot.debtor_kind, rules=rules)


def barred_on(*, oldest_due: date | None, debtor_kind: str, rules: Rules) -> date | None:
    """The day a consumer debt becomes time-barred under the jurisdiction's limitation period (None: never)."""
    years = rules.jurisdiction.pack.limitation_years
    due = oldest_due
    if years is None or due is None or debtor_kind == "business":
        return None
    try:
        return due.replace(year=due.year + years)
    except ValueError:  # 29 February
        return due.replace(year=due.year + years, day=28)


def _pick_channel(snapshot: CaseSnapshot, rules: Rules, step: StepSpec, now: datetime,
                  reasons: list[Reason]) -> tuple[str, datetime] | None:  # fmt: skip
    """First preferred channel that is usable and not blocked, at its next lawful moment."""
    unusable = []
    for channel in step.channels:
        blocked = blocking_reasons(channel=channel, opted_out=snapshot.opted_out, disputed=snapshot.disputed)
        if blocked:
            reasons.extend(blocked)
            unusable.append(channel)
            continue
        if channel not in snapshot.channels_available:
            unusable.append(channel)
            continue
        moment, why = next_lawful_moment(
            jurisdiction=rules.jurisdiction, debtor_kind=snapshot.debtor_kind, timezone=snapshot.timezone,
            channel=channel, at=now, recent_contacts=snapshot.contacts,
            last_conversation_at=snapshot.last_conversation_at,
        )  # fmt: skip
        reasons.extend(why)
        return channel, moment
    reasons.append(
        reason("no_channel", "Settle: a blocked contact is never dropped", channels=", ".join(unusable))
    )
    return None


def _charges(snapshot: CaseSnapshot, rules: Rules, step: StepSpec, today: date,
             reasons: list[Reason]) -> tuple[PlannedCharge, ...]:  # fmt: skip
    pack_code = rules.jurisdiction.pack.code
    country = "EU" if pack_code == "EU" else pack_code
    series = INTEREST_SERIES.get((country, snapshot.debtor_kind))
    rates = [r for r in rules.rates if r.key == series] if series else []
    out: list[PlannedCharge] = []
    if snapshot.debtor_kind == "consumer":
        statutory = max(rates, key=lambda r: r.effective_from).percent if rates else None
        rate = consumer_rate_allowed(country, snapshot.consumer_interest_percent, statutory)
        if rate is None:
            reasons.append(reason("fee_not_applicable", "consumer: only contractual interest under the legal cap",
                                  why="the merchant's terms allow no consumer interest here"))  # fmt: skip
            return ()
        rates = [RateFact(series or "terms", date(1970, 1, 1), rate, "merchant terms, capped")]
    for r in snapshot.receivables:
        if r.balance_minor <= 0 or r.due_date >= today:
            continue
        if snapshot.debtor_kind == "business" and r.id not in snapshot.compensated:
            comp = compensation_minor(country, snapshot.currency, r.amount_minor, r.due_date, rules.fx)
            if comp:
                out.append(PlannedCharge(r.id, "fee", comp[0], f"recovery compensation ({comp[1]})", today))
                reasons.append(build_reason("fee_applied", comp[1], what="compensation", basis=r.number,
                                            amount=f"{comp[0]} {snapshot.currency}"))  # fmt: skip
            elif country == "PL" and snapshot.currency == "PLN":
                # Not silently skipped: the merchant can enter the missing rate and the next check adds it.
                reasons.append(build_reason("fee_not_applicable", COMPENSATION["PL"][1],
                                            why=f"compensation for {r.number} needs the NBP EUR rate of "
                                                f"{pl_rate_day(r.due_date).isoformat()} (Admin → FX rates)"))  # fmt: skip
        if rates:
            start = max(first_default_day(r.due_date), snapshot.interest_through.get(r.id, date.min))
            amount = interest_minor(principal_minor=r.balance_minor, start=start, end=today, rates=rates)
            if amount > 0:
                src = rates[-1].source or series or ""
                out.append(
                    PlannedCharge(r.id, "interest", amount, f"interest {start}..{today} ({src})", today)
                )
                reasons.append(build_reason("fee_applied", src, what="interest",
                                            basis=f"{r.number} {start}..{today}",
                                            amount=f"{amount} {snapshot.currency}"))  # fmt: skip
    if not out:
        reasons.append(reason("fee_not_applicable", "Directive 2011/7/EU",
                              why="no statutory compensation or rate for this jurisdiction and currency"))  # fmt: skip
    return tuple(out)


def decide(snapshot: CaseSnapshot, now: datetime, rules: Rules) -> Decision:
    """The next action for one case at `now`, with every reason; compliance cannot be overridden."""
    seg = snapshot.segment
    # Sentences whose parameters are new for almost every case (the segment's facts carry the balance; fees name
    # the receivable) are built, not memoised, so they do not push the shared ones out of `reason`'s cache.
    reasons: list[Reason] = [
        build_reason("segment", "policy/segments.py", segment=seg.code, facts=seg.summary())
    ]
    base = dict(case_id=snapshot.case_id, step_key="", action="none", step_index=snapshot.step_index)
    if snapshot.disputed:
        reasons.extend(blocking_reasons(channel="", opted_out=frozenset(), disputed=True))
        return Decision(**base, stage="disputed", next_check_at=now + WATCH, reasons=tuple(reasons))
    if snapshot.paused_until and snapshot.paused_until > now:
        reasons.append(build_reason("paused", "collector", until=snapshot.paused_until.isoformat()))
        return Decision(**base, stage="paused", next_check_at=snapshot.paused_until, reasons=tuple(reasons))
    today = now.astimezone(zone(snapshot.timezone)).date()
    if snapshot.promised_until is not None:
        promised = snapshot.promised_until.isoformat()
        if today <= snapshot.promised_until:
            reasons.append(reason("promise_pending", "collector: promise to pay", date=promised))
            return Decision(**base, stage="promised", reasons=tuple(reasons),
                            next_check_at=promise_wakes_at(snapshot.promised_until, snapshot.timezone))  # fmt: skip
        reasons.append(reason("promise_broken", "collector: promise to pay", date=promised))
        base["promise_broken"] = True
    barred = _barred_on(snapshot, rules)
    pack = rules.jurisdiction.pack
    if barred and today >= barred and pack.time_barred == "no_contact":
        reasons.append(
            reason("time_barred_no_contact", f"{pack.code}: {pack.limitation_source}", date=barred)
        )
        task = PlannedTask("time_barred", "review", now, "time-barred: contact only after review")
        return Decision(**{**base, "step_index": len(snapshot.steps)}, stage="time_barred",
                        next_check_at=now + timedelta(days=30), tasks=(task,), reasons=tuple(reasons))  # fmt: skip
    index = snapshot.step_index
    while index < len(snapshot.steps):
        step = snapshot.steps[index]
        why = step.mismatch(segment=seg.code, balance_minor=snapshot.balance_minor, country=snapshot.country,
                            kind=snapshot.debtor_kind, timezone=snapshot.timezone)  # fmt: skip
        if why:
            reasons.append(reason("condition_not_met", "strategy", step=step.key, why=why))
            index += 1
            continue
        if step.offset_days < 0 and snapshot.oldest_due is not None and today > snapshot.oldest_due:
            reasons.append(
                reason("condition_not_met", "strategy", step=step.key, why="the due date has passed")
            )
            index += 1
            continue
        if barred and today >= barred and step.action in LEGAL_ACTIONS:
            reasons.append(reason("time_barred", f"{pack.code}: {pack.limitation_source}", date=barred))
            index += 1
            continue
        break
    if index >= len(snapshot.steps):
        reasons.append(reason("ladder_finished", "strategy"))
        return Decision(**{**base, "step_index": index}, stage="ladder_done", next_check_at=now + WATCH,
                        reasons=tuple(reasons))  # fmt: skip
    step = snapshot.steps[index]
    due_at = step_due_at(snapshot, step)
    if due_at is None or due_at > now:
        return Decision(**{**base, "step_index": index}, stage=f"waiting:{step.key}",
                        next_check_at=due_at or now + WATCH, reasons=tuple(reasons))  # fmt: skip
    reasons.append(reason("step_due", "strategy", step=step.key, offset=step.offset_days,
                          due=snapshot.oldest_due.isoformat()))  # fmt: skip
    # The usual outcome is built once at the end from these (dataclasses.replace costs more than the rest).
    action, messages, tasks, charges = step.action, (), (), ()
    acted_at = now
    if step.action == "agency_handoff":
        decision = Decision(**{**base, "step_key": step.key, "action": step.action, "step_index": index + 1},
                            stage=step.key, next_check_at=now)  # fmt: skip
        wait = timedelta(days=pack.prior_warning_days)
        if snapshot.final_notice_at is None or snapshot.final_notice_at + wait > now:
            reasons.append(reason("prior_warning_required", f"{pack.code}: {pack.prior_warning_source}",
                                  days=pack.prior_warning_days))  # fmt: skip
            if snapshot.final_notice_at is not None:
                return replace(decision, step_key="", action="none", step_index=index, stage=f"waiting:{step.key}",
                               next_check_at=snapshot.final_notice_at + wait, reasons=tuple(reasons))  # fmt: skip
            channels = step.channels or next(
                (s.channels for s in snapshot.steps if s.action == "final_notice" and s.channels),
                ("letter", "email"),
            )
            warning = StepSpec(f"{step.key}-warning", step.offset_days, "final_notice", channels,
                               "final_notice", "final_notice")  # fmt: skip
            picked = _pick_channel(snapshot, rules, warning, now, reasons)
            if picked is None:
                task = PlannedTask(warning.key, "final_notice", now, "send the final notice by hand")
                return replace(decision, step_key=warning.key, action="collector_task", step_index=index,
                               tasks=(task,), next_check_at=now + wait, reasons=tuple(reasons))  # fmt: skip
            msg = PlannedMessage(warning.key, picked[0], "final_notice", "final_notice", picked[1])
            return replace(decision, step_key=warning.key, action="final_notice", step_index=index,
                           messages=(msg,), next_check_at=picked[1] + wait, reasons=tuple(reasons))  # fmt: skip
        tasks = (PlannedTask(step.key, "agency_handoff", now, "approve the handoff to the agency"),)
    elif step.action == "collector_task":
        tasks = (PlannedTask(step.key, "call", now, step.template_key or "call"),)
    elif step.action == "apply_fee_interest":
        charges = _charges(snapshot, rules, step, today, reasons)
    elif step.action in MESSAGE_ACTIONS:
        picked = _pick_channel(snapshot, rules, step, now, reasons)
        if picked is None:
            action = "collector_task"
            tasks = (PlannedTask(step.key, "contact", now, f"{step.template_key}: no lawful channel"),)
        else:
            acted_at = picked[1]
            messages = (PlannedMessage(step.key, picked[0], step.template_key, step.tone, picked[1]),)
    next_check = acted_at + MIN_GAP
    if index + 1 < len(snapshot.steps):
        following = step_due_at(snapshot, snapshot.steps[index + 1])
        if following is not None:
            next_check = max(next_check, following)
    return Decision(case_id=snapshot.case_id, step_key=step.key, action=action, step_index=index + 1,
                    stage=step.key, next_check_at=next_check, messages=messages, tasks=tasks, charges=charges,
                    reasons=tuple(reasons), promise_broken=base.get("promise_broken", False))  # fmt: skip


def handoff_blockers(*, final_notice_at: datetime | None, now: datetime, rules: Rules, debtor_kind: str,
                     oldest_due: date | None, timezone: str) -> tuple[Reason, ...]:  # fmt: skip
    """Why an agency handoff may not happen at `now` (empty: it may): the same prior-warning and limitation
    rules `decide` applies, so a person approving a handoff can never do what the engine would not."""
    pack = rules.jurisdiction.pack
    today = now.astimezone(zone(timezone)).date()
    barred = barred_on(oldest_due=oldest_due, debtor_kind=debtor_kind, rules=rules)
    if barred and today >= barred:
        return (reason("time_barred", f"{pack.code}: {pack.limitation_source}", date=barred),)
    if final_notice_at is None or final_notice_at + timedelta(days=pack.prior_warning_days) > now:
        return (reason("prior_warning_required", f"{pack.code}: {pack.prior_warning_source}",
                       days=pack.prior_warning_days),)  # fmt: skip
    return ()


def preview(snapshot: CaseSnapshot, start: datetime, rules: Rules, days: int = 120) -> list[Decision]:
    """Run `decide` forward from `start` the way the tick would, feeding what it schedules back in as contact
    history: the timeline a strategy would produce for this customer, before it is saved."""
    out: list[Decision] = []
    now, end = start, start + timedelta(days=days)
    snap = snapshot
    contacts = list(snapshot.contacts)
    while now < end:
        d = decide(snap, now, rules)
        if d.messages or d.tasks or d.charges:
            out.append(d)
        contacts += [(m.not_before, m.channel) for m in d.messages]
        notice = snap.final_notice_at or next(
            (m.not_before for m in d.messages if m.template_key == "final_notice"), None
        )
        snap = replace(snap, step_index=d.step_index, contacts=tuple(contacts), final_notice_at=notice)
        if d.stage in ("ladder_done", "time_barred", "disputed"):
            break
        now = max(d.next_check_at, now + timedelta(minutes=1))
    return out
