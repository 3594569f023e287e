"""Compliance rule packs as data, derived from `shared/reference/regulations.yaml` (sources current to 2026-04).

Each pack lists contact windows per day type in the debtor's local time ([start, end), end exclusive), the
frequency caps (per channel group and in total), cooling-off after a conversation, how time-barred debt is
treated, and the days of prior warning before legal action or agency handoff. Every rule carries its source
and the reference's confidence mark (V verified, S secondary, K knowledge, U uncertain, P Settle policy where
the law is silent and the reference recommends a default). Unknown jurisdictions get STRICTEST: the
intersection of every pack, so an unknown debtor is never treated more loosely than any known one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

DAY_TYPES = ("working_day", "saturday", "sunday", "public_holiday")
ALL = "all"
MESSAGE_CHANNELS = frozenset({"email", "sms", "webhook", "portal", "letter"})
SMS = frozenset({"sms"})
ELECTRONIC = frozenset({"email", "sms", "webhook", "portal"})


@dataclass(frozen=True)
class Window:
    start: time
    end: time


@dataclass(frozen=True)
class Cap:
    """At most `max` contacts on `channels` within `days` (rolling) or the calendar `period` (day/week/month)."""

    max: int
    channels: frozenset[str]  # empty = every channel (a total cap)
    days: int = 0  # rolling window length; 0 when calendar
    period: str = ""  # day | week | month (calendar, debtor's local time)
    source: str = ""
    confidence: str = "V"

    def applies_to(self, channel: str) -> bool:
        return not self.channels or channel in self.channels

    @property
    def scope(self) -> str:
        return "all channels" if not self.channels else "+".join(sorted(self.channels))

    @property
    def label(self) -> str:
        return f"{self.days} days" if self.days else self.period


@dataclass(frozen=True)
class RulePack:
    code: str
    name: str
    windows: dict[str, Window | None] = field(hash=False)
    hours_source: str
    hours_confidence: str
    caps: tuple[Cap, ...] = ()
    cooling_off_days: int = 0
    cooling_off_source: str = ""
    # Years after the due date when the claim is time-barred for a consumer (None = no clear rule).
    limitation_years: int | None = None
    limitation_source: str = ""
    # "no_legal_threat": keep reminding but never threaten suit/agency; "no_contact": stop and hand to a person.
    time_barred: str = "no_legal_threat"
    prior_warning_days: int = 14
    prior_warning_source: str = ""
    holiday_country: str | None = None  # `holidays` calendar; None = no holiday calendar
    business_caps_apply: bool = True

    def window(self, day_type: str) -> Window | None:
        return self.windows.get(day_type)


def _w(start: str, end: str) -> Window:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return Window(time(h1, m1), time(h2, m2))


def _days(working: Window | None, saturday: Window | None = None, sunday: Window | None = None,
          holiday: Window | None = None) -> dict[str, Window | None]:  # fmt: skip
    return {"working_day": working, "saturday": saturday, "sunday": sunday, "public_holiday": holiday}


def _recommended_caps(source: str) -> tuple[Cap, ...]:
    # The reference's recommended default (1 a day, 3 in 7 rolling days) applied to every message channel:
    # the statutes name harassment, not numbers, so Settle stays well under what a court could call persistent.
    return (
        Cap(1, frozenset(), period="day", source=source, confidence="P"),
        Cap(3, frozenset(), days=7, source=source, confidence="P"),
    )


PACKS: dict[str, RulePack] = {}


def _add(pack: RulePack) -> None:
    PACKS[pack.code] = pack


_add(RulePack(
    code="PL", name="Poland", holiday_country="PL",
    windows=_days(_w("08:00", "20:00"), _w("09:00", "16:00")),
    hours_source="no statute; Settle policy stricter than KPF/ZPF Zasady Dobrych Praktyk (06-22)", hours_confidence="P",
    caps=_recommended_caps("recommended default; Kodeks karny art. 190a, UPNPR art. 8-9"),
    limitation_years=2, limitation_source="KC art. 554 (sale by a business), end-of-year rule KC art. 118",
    prior_warning_days=30, prior_warning_source="ustawa o udostępnianiu informacji gospodarczych art. 14 (1 month)",
))  # fmt: skip
_add(RulePack(
    code="RU", name="Russia", holiday_country="RU",
    windows=_days(_w("08:00", "22:00"), _w("09:00", "20:00"), _w("09:00", "20:00"), _w("09:00", "20:00")),
    hours_source="230-FZ art. 7 part 3 p.1 and part 5", hours_confidence="V",
    caps=(
        Cap(2, ELECTRONIC, period="day", source="230-FZ art. 7 part 3 p.3"),
        Cap(4, ELECTRONIC, period="week", source="230-FZ art. 7 part 3 p.3"),
        Cap(16, ELECTRONIC, period="month", source="230-FZ art. 7 part 3 p.3"),
        Cap(4, ELECTRONIC, days=7, source="230-FZ art. 7 part 3 p.3 (rolling, conservative)", confidence="U"),
        Cap(16, ELECTRONIC, days=30, source="230-FZ art. 7 part 3 p.3 (rolling, conservative)", confidence="U"),
    ),
    limitation_years=3, limitation_source="Civil Code art. 196, 200",
    prior_warning_days=30, prior_warning_source="230-FZ art. 9 (notice of engaging a collector), Settle policy",
))  # fmt: skip
_add(RulePack(
    code="DE", name="Germany", holiday_country="DE",
    windows=_days(_w("08:00", "20:00"), _w("08:00", "20:00")),
    hours_source="no statute; recommended default (UWG §4a aggressive practices)", hours_confidence="P",
    caps=_recommended_caps("recommended default; UWG §4a, §7 Abs. 2 Nr. 1"),
    limitation_years=3, limitation_source="BGB §195, §199 (end of year)",
    prior_warning_days=28, prior_warning_source="BDSG §31 Abs. 2 Nr. 4 (first reminder ≥ 4 weeks earlier)",
))  # fmt: skip
_add(RulePack(
    code="GB", name="United Kingdom", holiday_country="GB",
    windows=_days(_w("08:00", "20:00"), _w("09:00", "17:00")),
    hours_source="CONC 7.9.4R (no unreasonable times); recommended default", hours_confidence="V",
    caps=_recommended_caps("recommended default; AJA 1970 s.40"),
    limitation_years=6, limitation_source="Limitation Act 1980 s.5",
    prior_warning_days=30, prior_warning_source="Pre-Action Protocol for Debt Claims (30 days to reply)",
))  # fmt: skip
_add(RulePack(
    code="FR", name="France", holiday_country="FR",
    windows=_days(_w("08:00", "20:00"), _w("09:00", "18:00")),
    hours_source="no statute; recommended default (Code pénal 222-16)", hours_confidence="P",
    caps=_recommended_caps("recommended default; Code pénal 222-16, Code conso L.121-6"),
    limitation_years=2, limitation_source="Code de la consommation L.218-2",
    prior_warning_days=14, prior_warning_source="mise en demeure before suit (Code civil 1344), Settle policy",
))  # fmt: skip
_add(RulePack(
    code="ES", name="Spain", holiday_country="ES",
    windows=_days(_w("09:00", "21:00")),
    hours_source="TRLGDCU art. 96 benchmark (09-21, no weekends/holidays)", hours_confidence="U",
    caps=_recommended_caps("recommended default; Ley 3/1991 arts. 8, 29"),
    limitation_years=5, limitation_source="Código Civil art. 1964.2",
    prior_warning_days=14, prior_warning_source="Ley Orgánica 1/2025 arts. 5, 10 (MASC before suit)",
))  # fmt: skip
_add(RulePack(
    code="UA", name="Ukraine", holiday_country="UA",
    windows=_days(_w("09:00", "20:00")),
    hours_source="Law on Consumer Lending art. 25", hours_confidence="S",
    caps=(Cap(2, frozenset(), period="day", source="Law on Consumer Lending art. 25", confidence="S"),)
    + _recommended_caps("recommended default")[1:],
    limitation_years=3, limitation_source="Civil Code art. 257",
    prior_warning_days=14, prior_warning_source="Settle policy",
))  # fmt: skip
_US_WINDOWS = _days(_w("08:00", "21:00"), _w("08:00", "21:00"), _w("08:00", "21:00"), _w("08:00", "21:00"))
_add(RulePack(
    code="US", name="United States (federal)", holiday_country=None,
    windows=_US_WINDOWS, hours_source="12 CFR 1006.6(b)(1); 15 U.S.C. §1692c(a)(1)", hours_confidence="V",
    caps=(Cap(7, frozenset(), days=7, source="12 CFR 1006.14(b)(2)(i)(A) (7 in 7, applied to every channel)"),),
    cooling_off_days=7, cooling_off_source="12 CFR 1006.14(b)(2)(i)(B)",
    limitation_years=3, limitation_source="state law (shortest common: 3 years); 12 CFR 1006.26(b)",
    prior_warning_days=30, prior_warning_source="12 CFR 1006.34 validation period (30 days)",
))  # fmt: skip
_add(RulePack(
    code="US-MA", name="Massachusetts", holiday_country=None,
    windows=_US_WINDOWS, hours_source="209 CMR 18.16(1)(a); 940 CMR 7.04", hours_confidence="V",
    caps=(
        Cap(2, SMS, days=7, source="940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)"),
        Cap(7, frozenset(), days=7, source="12 CFR 1006.14(b)(2)(i)(A)"),
    ),
    cooling_off_days=7, cooling_off_source="12 CFR 1006.14(b)(2)(i)(B)",
    limitation_years=6, limitation_source="M.G.L. c.260 §2",
    prior_warning_days=30, prior_warning_source="12 CFR 1006.34 validation period (30 days)",
))  # fmt: skip
_add(RulePack(
    code="US-CA", name="California", holiday_country=None,
    windows=_US_WINDOWS, hours_source="Civil Code §1788.17 incorporating 15 U.S.C. §1692c", hours_confidence="K",
    caps=(Cap(7, frozenset(), days=7, source="§1788.11(d)-(e); Reg F 7-in-7 as recommended default"),),
    cooling_off_days=7, cooling_off_source="12 CFR 1006.14(b)(2)(i)(B) (recommended for CA)",
    limitation_years=4, limitation_source="CCP §337; Civil Code §1788.14(d)",
    time_barred="no_contact",  # a time-barred notice is mandatory in any writing: a person handles it
    prior_warning_days=30, prior_warning_source="12 CFR 1006.34 validation period (30 days)",
))  # fmt: skip
_add(RulePack(
    code="US-NYC", name="New York City", holiday_country=None,
    windows=_US_WINDOWS, hours_source="6 RCNY (DCWP rules, effective 2026-09-01)", hours_confidence="K",
    caps=(Cap(3, frozenset(), days=7, source="6 RCNY DCWP rules: 3 contacts or attempts in 7 days", confidence="S"),),
    cooling_off_days=7, cooling_off_source="12 CFR 1006.14(b)(2)(i)(B)",
    limitation_years=3, limitation_source="CPLR 214-i",
    prior_warning_days=30, prior_warning_source="12 CFR 1006.34 validation period (30 days)",
))  # fmt: skip
_add(RulePack(
    code="EU", name="EU default", holiday_country=None,
    windows=_days(_w("08:00", "20:00"), _w("09:00", "16:00")),
    hours_source="Directive 2005/29/EC arts. 8-9 (aggressive practices); Settle policy", hours_confidence="P",
    caps=_recommended_caps("Directive 2005/29/EC Annex I pt 26; Settle policy"),
    limitation_years=2, limitation_source="shortest member-state consumer limitation in the reference (FR)",
    prior_warning_days=30, prior_warning_source="Settle policy",
))  # fmt: skip


def _strictest() -> RulePack:
    """Intersect every pack: the latest start, the earliest end, the fewest days, the tightest caps."""
    windows: dict[str, Window | None] = {}
    for day in DAY_TYPES:
        found = [p.window(day) for p in PACKS.values()]
        if any(w is None for w in found):
            windows[day] = None
        else:
            windows[day] = Window(max(w.start for w in found), min(w.end for w in found))
    return RulePack(
        code="STRICTEST", name="Unknown jurisdiction: strictest of all packs", holiday_country=None,
        windows=windows, hours_source="intersection of every rule pack (reference: cross_cutting)",
        hours_confidence="P",
        caps=(
            Cap(1, frozenset(), period="day", source="intersection of every rule pack", confidence="P"),
            Cap(2, frozenset(), days=7, source="940 CMR 7.04(1)(f) (tightest: 2 in 7 days)", confidence="P"),
        ),
        cooling_off_days=max(p.cooling_off_days for p in PACKS.values()),
        cooling_off_source="12 CFR 1006.14(b)(2)(i)(B) (longest cooling-off)",
        limitation_years=min(p.limitation_years or 99 for p in PACKS.values()),
        limitation_source="shortest limitation of every pack", time_barred="no_contact",
        prior_warning_days=max(p.prior_warning_days for p in PACKS.values()),
        prior_warning_source="longest prior warning of every pack",
    )  # fmt: skip


PACKS["STRICTEST"] = _strictest()

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
NYC_CITIES = frozenset({"new york", "new york city", "nyc", "manhattan", "brooklyn", "queens", "bronx",
                        "the bronx", "staten island"})  # fmt: skip
# Regions whose public holidays the `holidays` package knows by subdivision (e.g. DE-BY, ES-MD, GB-SCT).
SUBDIVISION_COUNTRIES = frozenset({"DE", "ES", "GB", "FR"})


def jurisdiction_for(country: str, region: str = "", city: str = "") -> str:
    """Resolve the rules that protect a debtor from where they live; unknown → "STRICTEST".

    Returns a pack code ("PL", "US-MA", "US-NYC"), optionally refined by a holiday subdivision ("DE-BY"),
    or "EU-<country>" for EU members without their own pack (EU default rules, the member's holidays).
    """
    country = (country or "").strip().upper()
    region = (region or "").strip().upper()
    if country == "US":
        if region == "NY" and (city or "").strip().lower() in NYC_CITIES:
            return "US-NYC"
        if f"US-{region}" in PACKS:
            return f"US-{region}"
        return "US"
    if country in PACKS and country not in {"EU", "STRICTEST"}:
        if region and country in SUBDIVISION_COUNTRIES and _subdivision_known(country, region):
            return f"{country}-{region}"
        return country
    if country in EU_COUNTRIES:
        return f"EU-{country}"
    return "STRICTEST"


def _subdivision_known(country: str, region: str) -> bool:
    import holidays

    return region in holidays.country_holidays(country).subdivisions


@dataclass(frozen=True)
class Jurisdiction:
    pack: RulePack
    holiday_country: str | None
    holiday_subdiv: str | None


def resolve(code: str) -> Jurisdiction:
    """Turn a jurisdiction code into its pack and holiday calendar; an unknown code is STRICTEST."""
    if code in PACKS:
        pack = PACKS[code]
        return Jurisdiction(pack, pack.holiday_country, None)
    head, _, tail = code.partition("-")
    if head == "EU" and tail in EU_COUNTRIES:
        return Jurisdiction(PACKS["EU"], tail, None)
    if head in PACKS and head in SUBDIVISION_COUNTRIES and tail:
        return Jurisdiction(PACKS[head], PACKS[head].holiday_country, tail)
    return Jurisdiction(PACKS["STRICTEST"], None, None)
