"""Table-driven compliance scenarios taken from shared/reference/regulations.yaml (one row = one situation).

Times are written in the debtor's local wall-clock time; `expect` None means "allowed at once", a string the
local moment it is postponed to, and BLOCKED that the channel is closed until something changes.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from settle.policy.compliance import send_time_check

BLOCKED = "blocked"
MOW, WAW, VVO, BER, LON, PAR, MAD, KYI = (
    "Europe/Moscow", "Europe/Warsaw", "Asia/Vladivostok", "Europe/Berlin", "Europe/London", "Europe/Paris",
    "Europe/Madrid", "Europe/Kyiv",
)  # fmt: skip
CHI, NY, LA, ROM, TYO = (
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Rome",
    "Asia/Tokyo",
)


def L(tz: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


# (id, jurisdiction, debtor kind, tz, channel, at, contacts [(local time, channel)], extra, expect, first reason)
S = [
    # Russia: 230-FZ art. 7 part 3 — 08-22 working days, 09-20 weekends and holidays; 2/4/16 messages
    ("ru-sat-0830", "RU", "consumer", MOW, "sms", "2026-12-05 08:30", [], {}, "2026-12-05 09:00", "outside_contact_hours"),
    ("ru-sat-1959", "RU", "consumer", MOW, "sms", "2026-12-05 19:59", [], {}, None, None),
    ("ru-sat-2000", "RU", "consumer", MOW, "sms", "2026-12-05 20:00", [], {}, "2026-12-06 09:00", "after_contact_hours"),
    ("ru-mon-0759", "RU", "consumer", MOW, "email", "2026-12-07 07:59", [], {}, "2026-12-07 08:00", "outside_contact_hours"),
    ("ru-mon-2159", "RU", "consumer", MOW, "email", "2026-12-07 21:59", [], {}, None, None),
    ("ru-mon-2200", "RU", "consumer", MOW, "sms", "2026-12-07 22:00", [], {}, "2026-12-08 08:00", "after_contact_hours"),
    ("ru-newyear-0830", "RU", "consumer", MOW, "sms", "2027-01-01 08:30", [], {}, "2027-01-01 09:00", "outside_contact_hours"),
    ("ru-holiday-2030", "RU", "consumer", MOW, "sms", "2027-01-04 20:30", [], {}, "2027-01-05 09:00", "after_contact_hours"),
    ("ru-2-a-day", "RU", "consumer", MOW, "sms", "2026-12-08 10:00",
     [("2026-12-08 08:10", "sms"), ("2026-12-08 09:00", "email")], {}, "2026-12-09 08:00", "cap_reached"),
    ("ru-1-today-ok", "RU", "consumer", MOW, "sms", "2026-12-08 10:00", [("2026-12-08 08:10", "sms")], {}, None, None),
    ("ru-4-a-week", "RU", "consumer", MOW, "sms", "2026-12-09 10:00",
     [("2026-12-07 10:00", "sms"), ("2026-12-07 11:00", "sms"), ("2026-12-08 10:00", "sms"),
      ("2026-12-08 11:00", "sms")], {}, "2026-12-14 10:00", "cap_reached"),
    ("ru-vladivostok-late", "RU", "consumer", VVO, "sms", "2026-12-08 23:00", [], {}, "2026-12-09 08:00", "after_contact_hours"),
    ("ru-vladivostok-warsaw-noon", "RU", "consumer", VVO, "email", "2026-12-08 20:00", [], {}, None, None),
    ("ru-letter-hours", "RU", "consumer", MOW, "letter", "2026-12-06 07:00", [], {}, "2026-12-06 09:00", "outside_contact_hours"),
    # Poland: recommended 08-20 working days, 09-16 Saturday, no Sunday/holiday; 1 a day, 3 in 7 days
    ("pl-independence-day", "PL", "consumer", WAW, "email", "2026-11-11 10:00", [], {}, "2026-11-12 08:00", "no_contact_day"),
    ("pl-sunday", "PL", "consumer", WAW, "sms", "2026-12-06 12:00", [], {}, "2026-12-07 08:00", "no_contact_day"),
    ("pl-sat-0830", "PL", "consumer", WAW, "sms", "2026-12-05 08:30", [], {}, "2026-12-05 09:00", "outside_contact_hours"),
    ("pl-sat-1600", "PL", "consumer", WAW, "sms", "2026-12-05 16:00", [], {}, "2026-12-07 08:00", "after_contact_hours"),
    ("pl-christmas-eve", "PL", "consumer", WAW, "email", "2026-12-24 10:00", [], {}, "2026-12-28 08:00", "no_contact_day"),
    ("pl-1-a-day", "PL", "consumer", WAW, "email", "2026-12-08 12:00", [("2026-12-08 09:00", "sms")], {}, "2026-12-09 08:00", "cap_reached"),
    ("pl-3-in-7", "PL", "consumer", WAW, "email", "2026-12-10 10:00",
     [("2026-12-07 10:00", "email"), ("2026-12-08 10:00", "email"), ("2026-12-09 10:00", "sms")], {},
     "2026-12-14 10:00", "cap_reached"),
    ("pl-2-in-7-ok", "PL", "consumer", WAW, "email", "2026-12-10 10:00",
     [("2026-12-08 10:00", "email"), ("2026-12-09 10:00", "sms")], {}, None, None),
    ("pl-2000", "PL", "consumer", WAW, "email", "2026-12-08 20:00", [], {}, "2026-12-09 08:00", "after_contact_hours"),
    ("pl-1959", "PL", "consumer", WAW, "email", "2026-12-08 19:59", [], {}, None, None),
    ("pl-business-saturday", "PL", "business", WAW, "email", "2026-12-05 10:00", [], {}, "2026-12-07 08:00", "no_contact_day"),
    ("pl-easter-monday", "PL", "consumer", WAW, "sms", "2027-03-29 09:00", [], {}, "2027-03-30 08:00", "no_contact_day"),
    ("pl-queued-ahead", "PL", "consumer", WAW, "email", "2026-12-08 09:00", [("2026-12-08 15:00", "email")], {},
     "2026-12-09 08:00", "cap_reached"),
    # Germany: federal + Bundesland holidays; 08-20 Mon-Sat
    ("de-by-epiphany", "DE-BY", "consumer", BER, "email", "2027-01-06 10:00", [], {}, "2027-01-07 08:00", "no_contact_day"),
    ("de-be-epiphany-ok", "DE-BE", "consumer", BER, "email", "2027-01-06 10:00", [], {}, None, None),
    ("de-saturday-0800", "DE", "consumer", BER, "sms", "2026-12-05 08:00", [], {}, None, None),
    ("de-sunday", "DE", "consumer", BER, "sms", "2026-12-06 11:00", [], {}, "2026-12-07 08:00", "no_contact_day"),
    ("de-christmas", "DE", "consumer", BER, "email", "2026-12-25 09:00", [], {}, "2026-12-28 08:00", "no_contact_day"),
    ("de-3-in-7", "DE", "consumer", BER, "sms", "2026-12-10 09:00",
     [("2026-12-04 12:00", "sms"), ("2026-12-07 12:00", "email"), ("2026-12-09 12:00", "sms")], {},
     "2026-12-11 12:00", "cap_reached"),
    # United Kingdom: CONC 7.9.4R; bank holidays per nation
    ("gb-sat-1700", "GB", "consumer", LON, "email", "2026-12-05 17:00", [], {}, "2026-12-07 08:00", "after_contact_hours"),
    ("gb-sat-0859", "GB", "consumer", LON, "email", "2026-12-05 08:59", [], {}, "2026-12-05 09:00", "outside_contact_hours"),
    ("gb-boxing-day-substitute", "GB", "consumer", LON, "sms", "2026-12-24 20:30", [], {}, "2026-12-29 08:00", "after_contact_hours"),
    ("gb-sct-st-andrew", "GB-SCT", "consumer", LON, "sms", "2026-11-30 10:00", [], {}, "2026-12-01 08:00", "no_contact_day"),
    ("gb-eng-st-andrew-ok", "GB-ENG", "consumer", LON, "sms", "2026-11-30 10:00", [], {}, None, None),
    # France, Spain, Ukraine
    ("fr-sat-1800", "FR", "consumer", PAR, "email", "2026-12-05 18:00", [], {}, "2026-12-07 08:00", "after_contact_hours"),
    ("fr-armistice", "FR", "consumer", PAR, "email", "2026-11-11 09:00", [], {}, "2026-11-12 08:00", "no_contact_day"),
    ("fr-0700", "FR", "consumer", PAR, "sms", "2026-12-08 07:00", [], {}, "2026-12-08 08:00", "outside_contact_hours"),
    ("es-saturday", "ES", "consumer", MAD, "email", "2026-12-05 10:00", [], {}, "2026-12-07 09:00", "no_contact_day"),
    ("es-2100", "ES", "consumer", MAD, "email", "2026-12-09 21:00", [], {}, "2026-12-10 09:00", "after_contact_hours"),
    ("es-inmaculada", "ES", "consumer", MAD, "sms", "2026-12-08 10:00", [], {}, "2026-12-09 09:00", "no_contact_day"),
    ("ua-saturday", "UA", "consumer", KYI, "sms", "2026-12-05 10:00", [], {}, "2026-12-07 09:00", "no_contact_day"),
    ("ua-2-a-day", "UA", "consumer", KYI, "sms", "2026-12-08 12:00",
     [("2026-12-08 09:05", "sms"), ("2026-12-08 10:00", "email")], {}, "2026-12-09 09:00", "cap_reached"),
    ("ua-1959", "UA", "consumer", KYI, "sms", "2026-12-08 19:59", [], {}, None, None),
    ("ua-2000", "UA", "consumer", KYI, "sms", "2026-12-08 20:00", [], {}, "2026-12-09 09:00", "after_contact_hours"),
    # United States: 12 CFR 1006 — 08-21 any day, 7 in 7, 7 days quiet after a conversation
    ("us-0759", "US", "consumer", CHI, "sms", "2026-12-08 07:59", [], {}, "2026-12-08 08:00", "outside_contact_hours"),
    ("us-sunday-ok", "US", "consumer", CHI, "sms", "2026-12-06 10:00", [], {}, None, None),
    ("us-2100", "US", "consumer", CHI, "email", "2026-12-08 21:00", [], {}, "2026-12-09 08:00", "after_contact_hours"),
    ("us-cooling-off", "US", "consumer", CHI, "sms", "2026-12-03 10:00", [], {"conv": "2026-12-01 15:00"},
     "2026-12-08 08:00", "cooling_off"),
    ("us-after-cooling-off", "US", "consumer", CHI, "sms", "2026-12-08 10:00", [], {"conv": "2026-12-01 15:00"}, None, None),
    ("us-7-in-7", "US", "consumer", CHI, "sms", "2026-12-08 12:00",
     [(f"2026-12-0{d} 10:00", "sms") for d in range(2, 9)], {}, "2026-12-09 10:00", "cap_reached"),
    ("us-business-sunday", "US", "business", CHI, "email", "2026-12-06 10:00", [], {}, "2026-12-07 08:00", "no_contact_day"),
    ("us-business-no-cooling", "US", "business", CHI, "email", "2026-12-03 10:00", [], {"conv": "2026-12-01 15:00"},
     None, None),
    ("nyc-3-in-7", "US-NYC", "consumer", NY, "email", "2026-12-10 10:00",
     [("2026-12-07 10:00", "email"), ("2026-12-08 10:00", "sms"), ("2026-12-09 10:00", "email")], {},
     "2026-12-14 10:00", "cap_reached"),
    ("nyc-2-in-7-ok", "US-NYC", "consumer", NY, "email", "2026-12-10 10:00",
     [("2026-12-08 10:00", "sms"), ("2026-12-09 10:00", "email")], {}, None, None),
    ("nyc-2130", "US-NYC", "consumer", NY, "sms", "2026-12-10 21:30", [], {}, "2026-12-11 08:00", "after_contact_hours"),
    ("ma-2-sms-in-7", "US-MA", "consumer", NY, "sms", "2026-12-10 10:00",
     [("2026-12-08 10:00", "sms"), ("2026-12-09 10:00", "sms")], {}, "2026-12-15 10:00", "cap_reached"),
    ("ma-email-not-sms-capped", "US-MA", "consumer", NY, "email", "2026-12-10 10:00",
     [("2026-12-08 10:00", "sms"), ("2026-12-09 10:00", "sms")], {}, None, None),
    ("ca-0730", "US-CA", "consumer", LA, "email", "2026-12-08 07:30", [], {}, "2026-12-08 08:00", "outside_contact_hours"),
    ("ca-0800", "US-CA", "consumer", LA, "email", "2026-12-08 08:00", [], {}, None, None),
    # EU default with the member's own holidays; unknown → STRICTEST (09-20 working days, 1/day, 2 in 7)
    ("eu-it-immacolata", "EU-IT", "consumer", ROM, "email", "2026-12-08 10:00", [], {}, "2026-12-09 08:00", "no_contact_day"),
    ("eu-it-sat-1600", "EU-IT", "consumer", ROM, "email", "2026-12-05 16:00", [], {}, "2026-12-07 08:00", "after_contact_hours"),
    ("strictest-saturday", "STRICTEST", "consumer", TYO, "email", "2026-12-05 10:00", [], {}, "2026-12-07 09:00", "no_contact_day"),
    ("strictest-0830", "STRICTEST", "consumer", TYO, "email", "2026-12-08 08:30", [], {}, "2026-12-08 09:00", "outside_contact_hours"),
    ("strictest-1-a-day", "STRICTEST", "consumer", TYO, "sms", "2026-12-08 12:00", [("2026-12-08 09:30", "email")], {},
     "2026-12-09 09:00", "cap_reached"),
    ("strictest-2-in-7", "STRICTEST", "consumer", TYO, "sms", "2026-12-10 12:00",
     [("2026-12-07 09:30", "email"), ("2026-12-09 09:30", "letter")], {}, "2026-12-14 09:30", "cap_reached"),
    ("unknown-code-is-strictest", "XX", "consumer", TYO, "email", "2026-12-06 10:00", [], {}, "2026-12-07 09:00", "no_contact_day"),
    # Daylight-saving nights
    ("dst-warsaw-spring", "PL", "consumer", WAW, "sms", "2026-03-28 16:30", [], {}, "2026-03-30 08:00", "after_contact_hours"),
    ("dst-ny-fall-back", "US", "consumer", NY, "sms", "2026-11-01 01:30", [], {}, "2026-11-01 08:00", "outside_contact_hours"),
    ("dst-ny-spring", "US", "consumer", NY, "sms", "2026-03-08 07:30", [], {}, "2026-03-08 08:00", "outside_contact_hours"),
    ("dst-london-cap-then-good-friday", "GB", "consumer", LON, "sms", "2026-03-30 10:00",
     [("2026-03-27 10:00", "sms"), ("2026-03-28 10:00", "sms"), ("2026-03-29 10:00", "sms")], {},
     "2026-04-04 09:00", "cap_reached"),
    # Opt-outs and disputes close a channel; the engine then tries another channel or makes a task
    ("opted-out-email", "PL", "consumer", WAW, "email", "2026-12-08 10:00", [], {"opted_out": {"email"}}, BLOCKED, "opted_out"),
    ("opted-out-email-sms-ok", "PL", "consumer", WAW, "sms", "2026-12-08 10:00", [], {"opted_out": {"email"}}, None, None),
    ("opted-out-all", "US", "consumer", CHI, "sms", "2026-12-08 10:00", [], {"opted_out": {"all"}}, BLOCKED, "opted_out"),
    ("disputed", "RU", "consumer", MOW, "email", "2026-12-08 10:00", [], {"disputed": True}, BLOCKED, "dispute_open"),
]  # fmt: skip


def test_there_are_at_least_60_scenarios():
    assert len(S) >= 60 and len({row[0] for row in S}) == len(S)


@pytest.mark.parametrize("sid,jur,kind,tz,channel,at,contacts,extra,expect,first", S, ids=[r[0] for r in S])
def test_scenario(sid, jur, kind, tz, channel, at, contacts, extra, expect, first):
    at_dt = L(tz, at)
    check = send_time_check(
        jurisdiction=jur, debtor_kind=kind, timezone=tz, channel=channel, at=at_dt,
        recent_contacts=[(L(tz, t), ch) for t, ch in contacts],
        opted_out=frozenset(extra.get("opted_out", ())), disputed=extra.get("disputed", False),
        last_conversation_at=L(tz, extra["conv"]) if "conv" in extra else None,
    )  # fmt: skip
    if expect is None:
        assert check.allowed and check.not_before == at_dt and check.reasons == ()
    elif expect == BLOCKED:
        assert not check.allowed and check.not_before is None
        assert check.reasons[0].code == first
    else:
        assert not check.allowed
        assert check.not_before == L(tz, expect), check.not_before.astimezone(ZoneInfo(tz))
        assert check.not_before > at_dt  # never early
        assert check.reasons[0].code == first
        assert all(set(r.text) == {"en", "pl", "ru", "de"} and r.source for r in check.reasons)
