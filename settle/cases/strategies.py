"""Strategies as data: validation of step lists and the shipped defaults.

A step list is refused on save with a field-named reason when it could not run as written: unknown action,
channel, template or tone; overlapping contacts on one day; a pre-due note earlier than the payment terms; a
final notice or handoff before the due date; an agency handoff with no final notice before it.
"""

from __future__ import annotations

import re

from settle.communications.catalog import CHANNELS, TEMPLATE_KEYS, TONES
from settle.customers.validation import FieldError, clean_country, clean_timezone
from settle.policy.engine import ACTIONS, LEGAL_ACTIONS, MESSAGE_ACTIONS, StepSpec
from settle.policy.segments import SEGMENTS

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
STEP_FIELDS = {"key", "offset_days", "action", "channels", "template_key", "tone", "segments", "min_minor",
               "max_minor", "countries", "debtor_kinds", "timezones"}  # fmt: skip


def _int(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, "must be a whole number")
    return value


def steps_validate(steps, *, terms_days: int = 30) -> tuple[StepSpec, ...]:
    """Check a step list and return it as pure StepSpecs; raise FieldError naming the faulty step field."""
    if not isinstance(steps, list) or not steps:
        raise FieldError("steps", "must be a non-empty list of steps")
    out: list[StepSpec] = []
    seen: set[str] = set()
    contact_days: dict[int, str] = {}
    notice_seen = False
    previous = None
    for i, raw in enumerate(steps):
        f = f"steps[{i}]"
        if not isinstance(raw, dict):
            raise FieldError(f, "must be an object")
        unknown = set(raw) - STEP_FIELDS
        if unknown:
            raise FieldError(f"{f}.{sorted(unknown)[0]}", "unknown field")
        key = raw.get("key", "")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise FieldError(f"{f}.key", "must be 1-40 lowercase letters, digits, - or _")
        if key in seen:
            raise FieldError(f"{f}.key", f"duplicate step key {key!r}")
        seen.add(key)
        offset = _int(raw.get("offset_days"), f"{f}.offset_days")
        if offset < -terms_days:
            raise FieldError(f"{f}.offset_days", f"{-offset} days before the due date is earlier than the "
                             f"{terms_days}-day payment terms")  # fmt: skip
        if offset > 3650:
            raise FieldError(f"{f}.offset_days", "is more than ten years after the due date")
        if previous is not None and offset < previous:
            raise FieldError(f"{f}.offset_days", f"steps must be in order: {offset} comes after {previous}")
        previous = offset
        action = raw.get("action")
        if action not in ACTIONS:
            raise FieldError(f"{f}.action", f"must be one of {', '.join(ACTIONS)}")
        channels = raw.get("channels", [])
        if not isinstance(channels, list) or any(c not in CHANNELS for c in channels):
            raise FieldError(f"{f}.channels", f"each must be one of {', '.join(CHANNELS)}")
        if len(set(channels)) != len(channels):
            raise FieldError(f"{f}.channels", "lists a channel twice")
        template = raw.get("template_key", "")
        tone = raw.get("tone", "neutral")
        if tone not in TONES:
            raise FieldError(f"{f}.tone", f"must be one of {', '.join(TONES)}")
        if action in MESSAGE_ACTIONS:
            if not channels:
                raise FieldError(f"{f}.channels", "a message needs at least one channel")
            if template not in TEMPLATE_KEYS:
                raise FieldError(f"{f}.template_key", f"unknown template {template!r}")
            if offset in contact_days:
                raise FieldError(
                    f"{f}.offset_days", f"overlaps step {contact_days[offset]!r} on the same day"
                )
            contact_days[offset] = key
        elif template and template not in TEMPLATE_KEYS and action != "collector_task":
            raise FieldError(f"{f}.template_key", f"unknown template {template!r}")
        if action in LEGAL_ACTIONS and offset < 1:
            raise FieldError(f"{f}.offset_days", "a final notice or handoff cannot come before the due date")
        if action == "agency_handoff" and not notice_seen:
            raise FieldError(f"{f}.action", "an agency handoff needs a final_notice step before it")
        notice_seen = notice_seen or action == "final_notice"
        segments = raw.get("segments", [])
        if not isinstance(segments, list) or any(s not in SEGMENTS for s in segments):
            raise FieldError(f"{f}.segments", f"each must be one of {', '.join(SEGMENTS)}")
        countries = raw.get("countries", [])
        if not isinstance(countries, list):
            raise FieldError(f"{f}.countries", "must be a list of ISO country codes")
        countries = [clean_country(c, f"{f}.countries") for c in countries]
        zones = raw.get("timezones", [])
        if not isinstance(zones, list):
            raise FieldError(f"{f}.timezones", "must be a list of IANA time zones")
        zones = [clean_timezone(z, f"{f}.timezones") for z in zones]
        kinds = raw.get("debtor_kinds", [])
        if not isinstance(kinds, list) or any(k not in ("consumer", "business") for k in kinds):
            raise FieldError(f"{f}.debtor_kinds", "each must be consumer or business")
        lo, hi = raw.get("min_minor"), raw.get("max_minor")
        lo = None if lo is None else _int(lo, f"{f}.min_minor")
        hi = None if hi is None else _int(hi, f"{f}.max_minor")
        if lo is not None and hi is not None and lo > hi:
            raise FieldError(f"{f}.max_minor", "is below min_minor: the step could never run")
        out.append(StepSpec(key, offset, action, tuple(channels), template, tone, tuple(segments), lo, hi,
                            tuple(countries), tuple(kinds), tuple(zones)))  # fmt: skip
    return tuple(out)


def specs_from_json(steps: list[dict]) -> tuple[StepSpec, ...]:
    """Stored versions were validated on save: rebuild StepSpecs without re-validating (hot path)."""
    return tuple(
        StepSpec(
            s["key"],
            s["offset_days"],
            s["action"],
            tuple(s.get("channels", ())),
            s.get("template_key", ""),
            s.get("tone", "neutral"),
            tuple(s.get("segments", ())),
            s.get("min_minor"),
            s.get("max_minor"),
            tuple(s.get("countries", ())),
            tuple(s.get("debtor_kinds", ())),
            tuple(s.get("timezones", ())),
        )  # fmt: skip
        for s in steps
    )


def _m(key, offset, channels, template, tone):
    return {"key": key, "offset_days": offset, "action": "message", "channels": channels,
            "template_key": template, "tone": tone}  # fmt: skip


DEFAULTS = [
    {
        "slug": "business-net-terms", "name": "Business net terms", "priority": 5, "segments": ["business"],
        "description": "B2B: reminders, then statutory compensation and interest (Directive 2011/7/EU), notice.",
        "steps": [
            _m("pre-due", -5, ["email"], "pre_due", "neutral"),
            _m("reminder-1", 1, ["email", "webhook"], "reminder_1", "neutral"),
            _m("reminder-2", 10, ["email"], "reminder_2", "neutral"),
            {"key": "statutory-fees", "offset_days": 30, "action": "apply_fee_interest", "debtor_kinds": ["business"]},
            _m("fee-notice", 31, ["email"], "fee_notice", "firm"),
            {"key": "call", "offset_days": 38, "action": "collector_task", "template_key": "call"},
            {"key": "final-notice", "offset_days": 45, "action": "final_notice", "channels": ["letter", "email"],
             "template_key": "final_notice", "tone": "final_notice"},
            {"key": "agency", "offset_days": 75, "action": "agency_handoff"},
        ],
    },
    {
        "slug": "gentle", "name": "Gentle", "priority": 10, "segments": ["loyal_first_late"],
        "description": "Loyal customers late for the first time: kind reminders, a plan, a person's call.",
        "steps": [
            _m("pre-due", -3, ["email"], "pre_due", "gentle"),
            _m("reminder-1", 3, ["email", "sms"], "reminder_1", "gentle"),
            _m("reminder-2", 10, ["email", "sms"], "reminder_2", "gentle"),
            {"key": "plan", "offset_days": 17, "action": "offer_plan", "channels": ["email", "portal"],
             "template_key": "plan_offer", "tone": "gentle"},
            {"key": "call", "offset_days": 25, "action": "collector_task", "template_key": "call"},
            _m("reminder-3", 35, ["email", "letter"], "reminder_3", "neutral"),
        ],
    },
    {
        "slug": "firm", "name": "Firm", "priority": 20, "segments": ["repeat_late"],
        "description": "Repeat late payers: clear, earlier steps and a final notice before the agency.",
        "steps": [
            _m("reminder-1", 1, ["email", "sms"], "reminder_1", "firm"),
            _m("reminder-2", 5, ["sms", "email"], "reminder_2", "firm"),
            {"key": "call", "offset_days": 10, "action": "collector_task", "template_key": "call"},
            {"key": "final-notice", "offset_days": 20, "action": "final_notice", "channels": ["letter", "email"],
             "template_key": "final_notice", "tone": "final_notice"},
            {"key": "agency", "offset_days": 50, "action": "agency_handoff"},
        ],
    },
    {
        "slug": "standard-consumer", "name": "Standard consumer", "priority": 50, "segments": [],
        "description": "Everyone else: a pre-due note, three reminders, a plan offer, a call, a final notice.",
        "steps": [
            _m("pre-due", -3, ["email"], "pre_due", "neutral"),
            _m("reminder-1", 1, ["email", "sms"], "reminder_1", "neutral"),
            _m("reminder-2", 7, ["sms", "email"], "reminder_2", "neutral"),
            _m("reminder-3", 14, ["email"], "reminder_3", "neutral"),
            {"key": "plan", "offset_days": 21, "action": "offer_plan", "channels": ["email", "portal"],
             "template_key": "plan_offer", "tone": "neutral"},
            {"key": "call", "offset_days": 28, "action": "collector_task", "template_key": "call"},
            {"key": "final-notice", "offset_days": 35, "action": "final_notice", "channels": ["letter", "email"],
             "template_key": "final_notice", "tone": "final_notice"},
            {"key": "agency", "offset_days": 70, "action": "agency_handoff"},
        ],
    },
]  # fmt: skip

# Effective-dated statutory rates from shared/reference/regulations.yaml (sources current to 2026-04); each
# series already includes its statutory spread over the reference rate.
RATES = [
    ("DE_B2C", "2025-07-01", "6.27", "BGB §288 Abs. 1: Basiszinssatz 1.27 + 5", "V"),
    ("DE_B2C", "2026-01-01", "6.27", "BGB §288 Abs. 1: Basiszinssatz 1.27 + 5", "V"),
    ("DE_B2B", "2025-07-01", "10.27", "BGB §288 Abs. 2: Basiszinssatz 1.27 + 9", "V"),
    ("DE_B2B", "2026-01-01", "10.27", "BGB §288 Abs. 2: Basiszinssatz 1.27 + 9", "V"),
    ("PL_B2C", "2025-12-04", "9.50", "KC art. 481 §2: NBP 4.00 + 5.5", "S"),
    ("PL_B2C", "2026-03-05", "9.25", "KC art. 481 §2: NBP 3.75 + 5.5", "V"),
    ("PL_B2B", "2026-01-01", "14.00", "ustawa z 8 marca 2013 art. 4 pkt 3: NBP 4.00 + 10 (2026-H1)", "U"),
    ("GB_B2B", "2026-01-01", "11.75", "Late Payment Act 1998: Bank Rate 3.75 + 8 (2026-H1)", "S"),
    ("FR_B2C", "2025-07-01", "2.76", "taux de l'intérêt légal, other cases (2025-H2)", "V"),
    ("FR_B2C", "2026-01-01", "2.62", "taux de l'intérêt légal, other cases (2026-H1)", "V"),
    ("FR_B2B", "2026-01-01", "12.15", "Code de commerce L.441-10 II: ECB 2.15 + 10 (2026-H1)", "V"),
    ("ES_B2C", "2023-01-01", "3.25", "interés legal del dinero (2023..2025; 2026 unconfirmed)", "S"),
    ("ES_B2B", "2025-01-01", "11.15", "Ley 3/2004 art. 7 (2025-H1)", "S"),
    ("ES_B2B", "2026-01-01", "10.15", "Ley 3/2004 art. 7: ECB 2.15 + 8 (2026-H1)", "U"),
    ("EU_B2B", "2026-01-01", "10.15", "Directive 2011/7/EU art. 2(6): ECB 2.15 + 8 (2026-H1)", "K"),
    ("RU_395", "2025-12-22", "16.00", "Civil Code art. 395: key rate", "V"),
    ("RU_395", "2026-02-16", "15.50", "Civil Code art. 395: key rate", "S"),
]
