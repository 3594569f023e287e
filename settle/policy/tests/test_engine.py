"""decide(): the ladder, channel fallback, legal safeguards, money rules and the purity of the package."""

import ast
import pathlib
from datetime import UTC, date, datetime
from decimal import Decimal

from settle.policy.engine import CaseSnapshot, ReceivableFact, Rules, StepSpec, decide
from settle.policy.interest import (
    FxFact,
    RateFact,
    compensation_minor,
    interest_minor,
    pl_compensation_rate,
    pl_rate_day,
)
from settle.policy.segments import CustomerFacts, SegmentThresholds, segment_for

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Warsaw
LADDER = (
    StepSpec("pre", -3, "message", ("email",), "pre_due", "gentle"),
    StepSpec("r1", 3, "message", ("email", "sms"), "reminder_1", "neutral"),
    StepSpec("call", 10, "collector_task", (), "call", "neutral"),
    StepSpec("notice", 20, "final_notice", ("letter", "email"), "final_notice", "final_notice"),
    StepSpec("agency", 45, "agency_handoff", (), "agency_handoff", "firm"),
)


def snap(**kw):
    base = dict(
        case_id=7, currency="PLN", debtor_kind="consumer", country="PL", timezone="Europe/Warsaw", locale="pl",
        jurisdiction="PL", segment=segment_for(CustomerFacts("consumer", 12, 0, 10000)), steps=LADDER,
        step_index=1, receivables=(ReceivableFact(1, "FV/1", 10000, 10000, date(2026, 12, 1)),),
        channels_available=frozenset({"email", "sms", "letter"}),
    )  # fmt: skip
    base.update(kw)
    return CaseSnapshot(**base)


def test_a_due_step_queues_one_message_on_the_preferred_channel_and_explains_itself():
    d = decide(snap(), NOW, Rules.for_code("PL"))
    assert [(m.channel, m.template_key, m.not_before) for m in d.messages] == [("email", "reminder_1", NOW)]
    assert d.step_index == 2 and d.stage == "r1"
    assert d.next_check_at == datetime(2026, 12, 10, 23, 0, tzinfo=UTC)  # step "call": 11 Dec 00:00 Warsaw
    codes = [r.code for r in d.reasons]
    assert codes == ["segment", "step_due"]
    assert "loyal_first_late" in d.reasons[0].text["en"] and "orders=12" in d.reasons[0].text["en"]


def test_an_opted_out_channel_falls_back_to_the_next_and_then_to_a_task():
    d = decide(snap(opted_out=frozenset({"email"})), NOW, Rules.for_code("PL"))
    assert [m.channel for m in d.messages] == ["sms"] and "opted_out" in [r.code for r in d.reasons]
    d = decide(snap(opted_out=frozenset({"email", "sms"})), NOW, Rules.for_code("PL"))
    assert d.messages == () and [t.kind for t in d.tasks] == ["contact"] and d.action == "collector_task"
    assert "no_channel" in [r.code for r in d.reasons]


def test_a_step_due_on_a_saturday_evening_in_moscow_waits_for_the_lawful_moment():
    at = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)  # Saturday 20:30 Moscow
    d = decide(snap(timezone="Europe/Moscow", jurisdiction="RU", country="RU"), at, Rules.for_code("RU"))
    assert d.messages[0].not_before == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)  # Sunday 09:00 Moscow
    assert "after_contact_hours" in [r.code for r in d.reasons]


def test_a_dispute_pauses_everything():
    d = decide(snap(disputed=True), NOW, Rules.for_code("PL"))
    assert d.messages == () and d.tasks == () and d.stage == "disputed" and d.step_index == 1


def test_agency_handoff_needs_a_final_notice_days_before():
    at = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
    d = decide(snap(step_index=4), at, Rules.for_code("PL"))
    assert [m.template_key for m in d.messages] == ["final_notice"] and d.step_index == 4
    assert "prior_warning_required" in [r.code for r in d.reasons]
    d = decide(
        snap(step_index=4, final_notice_at=datetime(2027, 1, 1, 9, tzinfo=UTC)), at, Rules.for_code("PL")
    )
    assert d.tasks == () and d.messages == () and d.next_check_at == datetime(2027, 1, 31, 9, tzinfo=UTC)
    d = decide(
        snap(step_index=4, final_notice_at=datetime(2026, 12, 1, 9, tzinfo=UTC)), at, Rules.for_code("PL")
    )
    assert [t.kind for t in d.tasks] == ["agency_handoff"] and d.step_index == 5


def test_time_barred_debt_gets_no_legal_threat_and_strictest_gets_no_contact():
    old = (ReceivableFact(1, "FV/0", 10000, 10000, date(2023, 1, 10)),)
    d = decide(snap(step_index=3, receivables=old), NOW, Rules.for_code("PL"))
    assert "time_barred" in [r.code for r in d.reasons] and d.step_index == 5  # notice skipped, agency waits
    assert all(m.template_key != "final_notice" for m in d.messages)
    d = decide(
        snap(step_index=1, receivables=old, jurisdiction="STRICTEST"), NOW, Rules.for_code("STRICTEST")
    )
    assert d.messages == () and [t.kind for t in d.tasks] == ["review"] and d.stage == "time_barred"


def test_segments_pick_the_track_with_their_facts():
    t = SegmentThresholds(loyal_min_on_time_orders=5, repeat_late_min=2, high_value_minor=100_000)
    assert segment_for(CustomerFacts("business", 3, 5, 1), t).code == "business"
    assert segment_for(CustomerFacts("consumer", 9, 2, 1), t).code == "repeat_late"
    assert segment_for(CustomerFacts("consumer", 5, 0, 1), t).code == "loyal_first_late"
    assert segment_for(CustomerFacts("consumer", 4, 1, 200_000), t).code == "high_value"
    assert segment_for(CustomerFacts("consumer", 1, 0, 1), t).code == "new"
    assert segment_for(CustomerFacts("consumer", 3, 1, 1), t).code == "standard"
    assert segment_for(CustomerFacts("consumer", 9, 2, 1), t).facts["late_12m"] == 2


def test_b2b_compensation_and_interest_split_at_rate_changes():
    rates = [
        RateFact("DE_B2B", date(2026, 1, 1), Decimal("10.27")),
        RateFact("DE_B2B", date(2026, 7, 1), Decimal("11")),
    ]
    # 100,000.00 EUR for 30 days at 10.27 % (844.11) and 30 days at 11 % (904.11), rounded once
    assert interest_minor(principal_minor=10_000_000, start=date(2026, 6, 1), end=date(2026, 7, 31),
                          rates=rates) == 174822  # fmt: skip
    assert compensation_minor("DE", "EUR", 1) == (4000, "BGB §288 Abs. 5")
    assert (
        compensation_minor("GB", "GBP", 500_000)[0] == 7000
        and compensation_minor("GB", "GBP", 10**6)[0] == 10000
    )
    assert compensation_minor("PL", "PLN", 10000) is None  # EUR amount needs the NBP rate: never guessed
    fee = (StepSpec("fee", 30, "apply_fee_interest"),)
    s = snap(debtor_kind="business", currency="EUR", jurisdiction="DE", country="DE", timezone="Europe/Berlin",
             steps=fee, step_index=0, receivables=(ReceivableFact(3, "R-3", 100000, 100000, date(2026, 11, 1)),))  # fmt: skip
    d = decide(s, NOW, Rules.for_code("DE", tuple(rates)))
    assert [(c.kind, c.amount_minor) for c in d.charges] == [("fee", 4000), ("interest", 1085)]  # 36 d × 11 %


def test_polish_compensation_is_euros_by_pln_band_at_the_nbp_rate_of_the_month_before_the_due_date():
    fx = (
        FxFact("EUR", "PLN", date(2026, 10, 29), Decimal("4.2510")),
        FxFact(
            "EUR", "PLN", date(2026, 10, 30), Decimal("4.2455")
        ),  # Friday: the last business day of October
        FxFact("EUR", "PLN", date(2026, 11, 2), Decimal("4.3000")),
        FxFact("USD", "PLN", date(2026, 10, 30), Decimal("3.9000")),
    )
    due = date(2026, 11, 20)
    assert pl_compensation_rate(due, fx).rate == Decimal("4.2455")
    assert compensation_minor("PL", "PLN", 500_000, due, fx) == (
        16982,
        "ustawa z 8 marca 2013, art. 10; EUR 40 at NBP 4.2455 of 2026-10-30",
    )  # 169.82 PLN, half-up
    assert compensation_minor("PL", "PLN", 500_001, due, fx)[0] == 29719  # EUR 70 above 5,000 PLN
    assert compensation_minor("PL", "PLN", 5_000_000, due, fx)[0] == 42455  # EUR 100 from 50,000 PLN
    assert compensation_minor("PL", "PLN", 10000, date(2026, 12, 1), fx) is None  # 30 Nov's rate not entered
    assert pl_rate_day(date(2026, 11, 20)) == date(2026, 10, 30)  # 31 Oct is a Saturday
    assert pl_rate_day(date(2026, 6, 10)) == date(2026, 5, 29)  # 30-31 May: a weekend
    assert pl_rate_day(date(2026, 1, 15)) == date(2025, 12, 31)  # a Wednesday; 24 Dec is the holiday, not 31
    assert (
        compensation_minor("PL", "EUR", 10000, due, fx) is None
    )  # bands are in PLN: a EUR debt is not guessed
    fee = (StepSpec("fee", 30, "apply_fee_interest"),)
    s = snap(debtor_kind="business", steps=fee, step_index=0,
             receivables=(ReceivableFact(3, "FV/3", 600000, 600000, date(2026, 10, 20)),))  # fmt: skip
    d = decide(s, NOW, Rules.for_code("PL", (), fx))
    assert d.charges == ()  # due in October: needs September's rate, which is missing — and says so
    missing = [r for r in d.reasons if r.code == "fee_not_applicable"]
    assert missing and "2026-09-30" in missing[0].text["en"]
    september = (*fx, FxFact("EUR", "PLN", date(2026, 9, 30), Decimal("4.2700")))
    d = decide(s, NOW, Rules.for_code("PL", (), september))
    assert [(c.kind, c.amount_minor) for c in d.charges] == [("fee", 29890)]  # EUR 70 × 4.2700


def test_consumer_interest_only_when_terms_allow_and_capped():
    rates = (RateFact("PL_B2C", date(2026, 3, 5), Decimal("9.25")),)
    fee = (StepSpec("fee", 5, "apply_fee_interest"),)
    d = decide(snap(steps=fee, step_index=0), NOW, Rules.for_code("PL", rates))
    assert d.charges == () and "fee_not_applicable" in [r.code for r in d.reasons]
    d = decide(
        snap(steps=fee, step_index=0, consumer_interest_percent=Decimal("30")),
        NOW,
        Rules.for_code("PL", rates),
    )
    # capped at 2 × 9.25 = 18.5 % on 100.00 PLN for 6 days (2 Dec .. 8 Dec): 0.30 PLN
    assert [(c.kind, c.amount_minor) for c in d.charges] == [("interest", 30)]


def test_the_policy_package_imports_no_django_and_reads_no_clock():
    root = pathlib.Path(__file__).resolve().parents[1]
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.startswith(("django", "settle.core.clock"))], path
        assert ".now(" not in path.read_text(), path
