"""Property tests: over 120 simulated days, random debtors, strategies and zones, the engine never schedules a
contact outside its window and never exceeds a cap. `policy.audit` re-derives both from the pack, independently of `compliance.next_lawful_moment`."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settle.policy.audit import audit
from settle.policy.engine import CaseSnapshot, ReceivableFact, Rules, StepSpec, decide
from settle.policy.segments import Segment

ZONES = ["Europe/Moscow", "Asia/Vladivostok", "Europe/Warsaw", "America/New_York", "America/Los_Angeles",
         "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "America/Santiago"]  # fmt: skip
CODES = ["PL", "RU", "DE-BY", "GB", "FR", "ES", "UA", "US", "US-MA", "US-CA", "US-NYC", "EU-IT", "STRICTEST"]
CHANNELS = ["email", "sms", "letter", "portal"]


step_st = st.builds(
    lambda offset, channels, action: (offset, tuple(channels), action),
    st.integers(-5, 60),
    st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True),
    st.sampled_from(["message", "message", "message", "final_notice", "collector_task"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(CODES), tz=st.sampled_from(ZONES), kind=st.sampled_from(["consumer", "business"]),
    raw_steps=st.lists(step_st, min_size=1, max_size=25), opted=st.sets(st.sampled_from(CHANNELS), max_size=2),
    start_hour=st.integers(0, 23), tick_hours=st.sampled_from([1, 3, 7, 24]),
)  # fmt: skip
def test_120_days_nothing_outside_windows_and_no_cap_exceeded(code, tz, kind, raw_steps, opted, start_hour,
                                                               tick_hours):  # fmt: skip
    steps = tuple(
        StepSpec(f"s{i}", offset, action, channels, "reminder_1", "neutral")
        for i, (offset, channels, action) in enumerate(sorted(raw_steps))
    )
    due = date(2026, 3, 1)
    snap = CaseSnapshot(
        case_id=1, currency="EUR", debtor_kind=kind, country="", timezone=tz, locale="en", jurisdiction=code,
        segment=Segment("standard", {}), steps=steps, step_index=0,
        receivables=(ReceivableFact(1, "A-1", 10000, 10000, due),),
        channels_available=frozenset(CHANNELS), opted_out=frozenset(opted),
    )  # fmt: skip
    rules = Rules.for_code(code)
    now = datetime(2026, 2, 25, start_hour, 17, tzinfo=UTC)
    end = now + timedelta(days=120)
    contacts: list[tuple[datetime, str]] = []
    next_check = now
    while now < end:
        if now >= next_check:
            decision = decide(snap, now, rules)
            for msg in decision.messages:
                assert msg.not_before >= now  # never early
                assert msg.channel not in opted
                contacts.append((msg.not_before, msg.channel))
            snap = replace(snap, step_index=decision.step_index, contacts=tuple(contacts))
            assert decision.next_check_at > now
            next_check = decision.next_check_at
        now += timedelta(hours=tick_hours)
    assert audit(code, kind, tz, contacts) == []


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(CODES), tz=st.sampled_from(ZONES), kind=st.sampled_from(["consumer", "business"]),
    channel=st.sampled_from(CHANNELS), minutes=st.integers(0, 60 * 24 * 400),
    history=st.lists(st.tuples(st.integers(-60 * 24 * 30, 60 * 24 * 10), st.sampled_from(CHANNELS)), max_size=12),
)  # fmt: skip
def test_a_postponed_moment_is_itself_lawful_and_never_early(code, tz, kind, channel, minutes, history):
    from settle.policy.compliance import send_time_check

    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    contacts = [(at + timedelta(minutes=m), ch) for m, ch in history]
    check = send_time_check(jurisdiction=code, debtor_kind=kind, timezone=tz, channel=channel, at=at,
                            recent_contacts=contacts)  # fmt: skip
    assert check.not_before is not None and check.not_before >= at
    assert check.allowed == (check.not_before == at)
    again = send_time_check(jurisdiction=code, debtor_kind=kind, timezone=tz, channel=channel,
                            at=check.not_before, recent_contacts=contacts)  # fmt: skip
    assert again.allowed, (check.not_before, again.reasons)
    assert [v for v in audit(code, kind, tz, [(check.not_before, channel)]) if v[0] == "window"] == []
