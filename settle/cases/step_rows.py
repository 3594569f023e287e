"""The strategy editor's table: one row of form fields per step, to and from the stored step list.

The table is how people edit a ladder; the stored form stays the JSON step list that `steps_validate` checks,
so this module only translates. Rows are sorted by their offset (the ladder's order is its timeline), blank
rows are ignored, and a value that cannot be read is refused naming the step and field like the validator
does (`steps[2].offset_days: …`). Amount conditions are typed in the merchant's currency, stored in minor units.
"""

from __future__ import annotations

import decimal

from settle.core.money import Money
from settle.customers.validation import FieldError

CHANNEL_SLOTS = 3  # first choice, then two fallbacks: the order is the preference
FIELDS = ("key", "offset_days", "action", "template_key", "tone", "debtor_kind", "countries", "timezones",
          "min_amount", "max_amount")  # fmt: skip


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _amount(text: str, currency: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return Money.from_decimal(text.strip().replace(" ", ""), currency).minor
    except (ValueError, ArithmeticError, decimal.InvalidOperation):
        raise FieldError(field, f"must be an amount in {currency}, e.g. 250.00") from None


def steps_from_rows(data, *, currency: str) -> list[dict]:
    """The step list a submitted table describes (`data` is a QueryDict: `s<i>-<field>` per row)."""
    indexes = sorted({int(k[1:].split("-", 1)[0]) for k in data if k.startswith("s") and "-" in k
                      and k[1:].split("-", 1)[0].isdigit()})  # fmt: skip
    rows = []
    for i in indexes:
        get = lambda name, i=i: (data.get(f"s{i}-{name}") or "").strip()  # noqa: E731
        if get("remove") or (not get("key") and not get("offset_days")):
            continue
        f = f"steps[{len(rows)}]"
        try:
            offset = int(get("offset_days"))
        except ValueError:
            raise FieldError(f"{f}.offset_days", f"step {get('key') or len(rows) + 1}: must be a whole number "
                             "of days (negative = before the due date)") from None  # fmt: skip
        step: dict = {"key": get("key"), "offset_days": offset, "action": get("action") or "message"}
        channels = [data.get(f"s{i}-channel{n}") or "" for n in range(CHANNEL_SLOTS)]
        step["channels"] = [c for n, c in enumerate(channels) if c and c not in channels[:n]]
        for name in ("template_key", "tone"):
            if get(name):
                step[name] = get(name)
        segments = [s for s in data.getlist(f"s{i}-segments") if s]
        if segments:
            step["segments"] = segments
        if get("debtor_kind"):
            step["debtor_kinds"] = [get("debtor_kind")]
        if _list(get("countries")):
            step["countries"] = [c.upper() for c in _list(get("countries"))]
        if _list(get("timezones")):
            step["timezones"] = _list(get("timezones"))
        lo = _amount(get("min_amount"), currency, f"{f}.min_amount")
        hi = _amount(get("max_amount"), currency, f"{f}.max_amount")
        if lo is not None:
            step["min_minor"] = lo
        if hi is not None:
            step["max_minor"] = hi
        rows.append(step)
    rows.sort(key=lambda s: s["offset_days"])  # stable: same-day steps keep the order they were typed in
    return rows


def rows_from_steps(steps: list[dict], *, currency: str, blank: int = 1) -> list[dict]:
    """Template rows for a stored step list, plus `blank` empty rows to add steps."""
    rows = []
    for step in steps:
        channels = list(step.get("channels", []))[:CHANNEL_SLOTS]
        lo, hi = step.get("min_minor"), step.get("max_minor")
        rows.append({
            "key": step.get("key", ""), "offset_days": step.get("offset_days", ""),
            "action": step.get("action", "message"), "template_key": step.get("template_key", ""),
            "tone": step.get("tone", "neutral"), "channels": channels + [""] * (CHANNEL_SLOTS - len(channels)),
            "segments": list(step.get("segments", [])),
            "debtor_kind": (step.get("debtor_kinds") or [""])[0] if len(step.get("debtor_kinds") or []) == 1 else "",
            "countries": ", ".join(step.get("countries", [])), "timezones": ", ".join(step.get("timezones", [])),
            "min_amount": "" if lo is None else str(Money(lo, currency).to_decimal()),
            "max_amount": "" if hi is None else str(Money(hi, currency).to_decimal()),
        })  # fmt: skip
    for _ in range(blank):
        rows.append({"key": "", "offset_days": "", "action": "message", "template_key": "", "tone": "neutral",
                     "channels": [""] * CHANNEL_SLOTS, "segments": [], "debtor_kind": "", "countries": "",
                     "timezones": "", "min_amount": "", "max_amount": ""})  # fmt: skip
    return rows


def rows_echo(data) -> list[dict]:
    """The submitted rows exactly as typed (to show them again with an error, or with one more blank row)."""
    indexes = sorted({int(k[1:].split("-", 1)[0]) for k in data if k.startswith("s") and "-" in k
                      and k[1:].split("-", 1)[0].isdigit()})  # fmt: skip
    rows = []
    for i in indexes:
        if data.get(f"s{i}-remove"):
            continue
        row = {name: data.get(f"s{i}-{name}") or "" for name in FIELDS}
        row["channels"] = [data.get(f"s{i}-channel{n}") or "" for n in range(CHANNEL_SLOTS)]
        row["segments"] = data.getlist(f"s{i}-segments")
        rows.append(row)
    return rows
