"""Tone guard: collection messages remind, offer help and offer a plan — they never threaten, shame or sell.

Pure (no Django). `tone_findings(text, template_key=..., tone=...)` returns every offending phrase with its
position and category, in English, Polish, Russian and German (all patterns run on every text: merchants
write mixed languages). Legal consequences may be named only at the final-notice step (or the agency
handoff it announced); everything else is refused everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Steps at which the strategy has decided on a next step that may be named (agency, court).
LEGAL_STEPS = frozenset({"final_notice", "agency_handoff"})

CATEGORIES = {
    "legal_threat": "threatens legal action or an agency before the final-notice step",
    "shaming": "shames or blames the customer",
    "false_urgency": "creates false urgency",
    "misleading_legal": "makes a misleading legal claim (arrest, police, crime)",
    "third_party": "mentions contacting third parties (employer, family, neighbours)",
    "marketing": "contains marketing content",
}

_PATTERNS: dict[str, list[str]] = {
    "legal_threat": [
        # en
        r"legal action",
        r"\bcourts?\b",
        r"\bsue\b",
        r"\bsued\b",
        r"lawsuit",
        r"bailiffs?",
        r"collection agenc\w*",
        r"debt collectors?",
        r"\blawyers?\b",
        r"\battorneys?\b",
        # pl
        r"\bsąd\w*",
        r"komornik\w*",
        r"windykac\w*",
        r"\bpozew\w*",
        r"\bpozw\w*",
        r"adwokat\w*",
        r"prawnik\w*",
        # ru
        r"\bсуд\w*",
        r"коллектор\w*",
        r"пристав\w*",
        r"\bиск\b",
        r"исков\w*",
        r"юрист\w*",
        r"адвокат\w*",
        # de
        r"gericht\w*",
        r"inkasso\w*",
        r"mahnbescheid\w*",
        r"\bklage\w*",
        r"gerichtsvollzieher\w*",
        r"anwalt\w*",
    ],
    "shaming": [
        r"\bshame\w*",
        r"irresponsib\w*",
        r"deadbeat",
        r"embarrass\w*",
        r"disgrace\w*",
        r"\bignoring us\b",
        r"\bwstyd\w*",
        r"nieodpowiedzialn\w*",
        r"kompromit\w*",
        r"hańb\w*",
        r"\bстыд\w*",
        r"позор\w*",
        r"безответственн\w*",
        r"schäm\w*",
        r"schande",
        r"verantwortungslos\w*",
        r"peinlich\w*",
    ],
    "false_urgency": [
        r"act now",
        r"immediately",
        r"last chance",
        r"within 24 hours",
        r"\burgent\w*",
        r"right away",
        r"natychmiast\w*",
        r"ostatnia szansa",
        r"\bpilne\b",
        r"\bpilnie\b",
        r"w ciągu 24 godzin",
        r"немедленно",
        r"последний шанс",
        r"\bсрочн\w*",
        r"в течение 24 часов",
        r"\bsofort\w*",
        r"letzte chance",
        r"\bdringend\w*",
        r"innerhalb von 24 stunden",
        r"unverzüglich",
    ],
    "misleading_legal": [
        r"\bcriminal\w*",
        r"\barrest\w*",
        r"\bprison\b",
        r"\bjail\b",
        r"\bpolice\b",
        r"credit score will",
        r"seize your",
        r"więzieni\w*",
        r"areszt\w*",
        r"\bpolicj\w*",
        r"przestępstw\w*",
        r"уголовн\w*",
        r"\bарест\w*",
        r"тюрьм\w*",
        r"полици\w*",
        r"strafbar\w*",
        r"verhaft\w*",
        r"gefängnis\w*",
        r"polizei\w*",
        r"strafanzeige\w*",
    ],
    "third_party": [
        r"your employer",
        r"your family",
        r"your neighbou?rs",
        r"your friends",
        r"your colleagues",
        r"pracodaw\w*",
        r"rodzin\w*",
        r"sąsiad\w*",
        r"znajomy\w*",
        r"работодател\w*",
        r"родственник\w*",
        r"сосед\w*",
        r"\bсемь[еиюя]\w*",
        r"arbeitgeber\w*",
        r"\bfamilie\w*",
        r"nachbar\w*",
        r"kollegen",
    ],
    "marketing": [
        r"discount",
        r"new collection",
        r"shop now",
        r"\bsale\b",
        r"\d+\s?% off",
        r"newsletter",
        r"special offer",
        r"promocj\w*",
        r"\brabat\w*",
        r"wyprzedaż\w*",
        r"nowa kolekcja",
        r"скидк\w*",
        r"распродаж\w*",
        r"\bакци[яиюей]\b",
        r"новая коллекция",
        r"\brabatt\w*",
        r"sonderangebot\w*",
        r"gutschein\w*",
        r"neue kollektion",
        r"schnäppchen",
    ],
}

_COMPILED = {
    cat: re.compile("|".join(f"(?:{p})" for p in pats), re.I | re.U) for cat, pats in _PATTERNS.items()
}


@dataclass(frozen=True)
class Finding:
    category: str
    phrase: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"{CATEGORIES[self.category]}: “{self.phrase}” (at {self.start})"


def tone_findings(text: str, *, template_key: str, tone: str) -> list[Finding]:
    """Every offending phrase in `text`; legal consequences pass only at the final-notice step."""
    legal_allowed = template_key in LEGAL_STEPS or tone == "final_notice"
    found = []
    for category, pattern in _COMPILED.items():
        if category == "legal_threat" and legal_allowed:
            continue
        for match in pattern.finditer(text):
            found.append(Finding(category, match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)
