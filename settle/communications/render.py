"""Turn a Message's fixed facts (`context`) into the words a customer reads, in their language.

Wording comes from a merchant's `MessageTemplate` if they wrote one, else from the shipped library
(`communications/library/<lang>.py`). Templates are compiled once per process and cached: rendering is on the
delivery hot path. A variable the template uses but the facts lack raises `RenderError` — a message is never
sent half-rendered; the delivery loop records the failure instead.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html.parser import HTMLParser
from importlib import import_module

from babel.dates import format_date
from django.conf import settings
from django.template import Context, Engine
from django.utils.safestring import mark_safe

from settle.core.money import Money

from . import catalog

_MISSING = "\x00MISSING\x00"
# Autoescape on for HTML, off for text/SMS/letters; both mark unknown variables so we can refuse them.
_HTML_ENGINE = Engine(string_if_invalid=_MISSING, autoescape=True)
_TEXT_ENGINE = Engine(string_if_invalid=_MISSING, autoescape=False)

# Tones tried, in order, when a key does not ship the requested tone (documented in docs/outreach.md).
TONE_FALLBACK = {
    "gentle": ("gentle", "neutral", "firm", "final_notice"),
    "neutral": ("neutral", "gentle", "firm", "final_notice"),
    "firm": ("firm", "neutral", "gentle", "final_notice"),
    "final_notice": ("final_notice", "firm", "neutral", "gentle"),
}

VARIABLES = {
    "name": "Customer name",
    "merchant": "Merchant (brand) name",
    "balance": "Outstanding balance, formatted in the customer's locale",
    "due_date": "Earliest due date, formatted",
    "items": "Itemised balance (one line per order/invoice)",
    "pay_link": "Link to pay this message's balance",
    "portal_link": "Link to the customer's portal (plans, questions)",
    "preferences_link": "Link to contact preferences / unsubscribe",
    "support_email": "Merchant's support address",
    "final_date": "Last date before the next step (final notice)",
    "fee": "A statutory fee or interest added (fee notice)",
    "fee_reason": "Legal basis of the fee",
    "promise_amount": "Promised amount",
    "promise_date": "Promised date",
    "paid_amount": "Amount received",
}


class RenderError(ValueError):
    """The template cannot be rendered from these facts (a missing variable, broken markup)."""


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    sms: str = ""


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    locale: str
    headers: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=8)
def library(locale: str) -> dict[tuple[str, str], Wording]:
    """The shipped wording for one language: {(template_key, tone): Wording}."""
    module = import_module(f"settle.communications.library.{locale}")
    return {
        tuple(key.split(".", 1)): Wording(**entry)  # type: ignore[misc]
        for key, entry in module.TEMPLATES.items()
    }


def shipped_tones(template_key: str) -> tuple[str, ...]:
    return tuple(tone for (key, tone) in library("en") if key == template_key)


def shipped_wording(template_key: str, tone: str, locale: str) -> tuple[Wording, str]:
    """The shipped wording and the tone actually used (nearest shipped tone; unknown language → English)."""
    lang = locale.split("-")[0].split("_")[0].lower()
    lib = library(lang if lang in catalog.LANGUAGES else "en")
    for candidate in TONE_FALLBACK.get(tone or "neutral", TONE_FALLBACK["neutral"]):
        if (template_key, candidate) in lib:
            return lib[(template_key, candidate)], candidate
    raise RenderError(f"no template for key {template_key!r}")


@lru_cache(maxsize=2048)
def _compiled(source: str, as_html: bool):
    return (_HTML_ENGINE if as_html else _TEXT_ENGINE).from_string(source)


@lru_cache(maxsize=2048)
def _used(source: str) -> frozenset[str]:
    return frozenset(re.findall(r"{{\s*(\w+)", source or ""))


def _render(source: str, variables: dict, *, as_html: bool) -> str:
    out = _compiled(source, as_html).render(Context(variables, autoescape=as_html))
    if _MISSING in out:
        used = set(re.findall(r"{{\s*(\w+)", source))
        missing = sorted(name for name in used if name not in variables)
        raise RenderError(f"missing variable: {', '.join(missing) or 'unknown'}")
    return out


@lru_cache(maxsize=4096)
def _fmt_date(value: str, locale: str) -> str:
    return format_date(date.fromisoformat(value), format="long", locale=locale)


@lru_cache(maxsize=4096)
def _money(minor: int, currency: str, locale: str) -> str:
    return Money(int(minor), currency).format(locale)


def variables_for(*, context: dict, locale: str, name: str, merchant_name: str, code: str,
                  support_email: str = "", final_date_default: str = "") -> tuple[dict, dict]:  # fmt: skip
    """Text and HTML variables from the fixed facts; only facts present become variables."""
    base = settings.SETTLE_PUBLIC_URL.rstrip("/")
    currency = context.get("currency", "")
    # The engine writes `receivables` and `oldest_due_date`; `items`/`due_date` are accepted too.
    items = context.get("items") or context.get("receivables") or []
    text: dict = {
        "name": name,
        "merchant": merchant_name,
        "pay_link": f"{base}/pay/{code}/",
        "portal_link": f"{base}/portal/{code}/",
        "preferences_link": f"{base}/preferences/{code}/",
        "support_email": support_email or "",
    }
    balance_minor = context.get("balance_minor")
    if balance_minor is None and items and currency:
        balance_minor = sum(int(i.get("balance_minor", i.get("amount_minor", 0))) for i in items)
    if balance_minor is not None and currency:
        text["balance"] = _money(balance_minor, currency, locale)
    due = (context.get("due_date") or context.get("oldest_due_date")
           or min((i["due_date"] for i in items if i.get("due_date")), default=None))  # fmt: skip
    if due:
        text["due_date"] = _fmt_date(due, locale)
    for key in ("final_date", "promise_date"):
        if context.get(key):
            text[key] = _fmt_date(context[key], locale)
    if "final_date" not in text and final_date_default:
        text["final_date"] = _fmt_date(final_date_default, locale)
    for key, var in (
        ("fee_minor", "fee"),
        ("promise_minor", "promise_amount"),
        ("paid_minor", "paid_amount"),
    ):
        if context.get(key) is not None and currency:
            text[var] = _money(context[key], currency, locale)
    for key in ("fee_reason",):
        if context.get(key):
            text[key] = str(context[key])
    rows = []
    for item in items:
        label = item.get("number") or item.get("description") or ""
        amount = _money(item.get("balance_minor", item.get("amount_minor", 0)), currency, locale)
        when = _fmt_date(item["due_date"], locale) if item.get("due_date") else ""
        rows.append((label, when, amount))
    if items:
        text["items"] = "\n".join(
            f"- {label}  {when}  {amount}".replace("    ", "  ") for label, when, amount in rows
        )
    html_vars = dict(text)
    if items:
        html_vars["items"] = mark_safe(
            '<table class="items">'
            + "".join(
                f"<tr><td>{html.escape(label)}</td><td>{html.escape(when)}</td>"
                f'<td style="text-align:right">{html.escape(amount)}</td></tr>'
                for label, when, amount in rows
            )
            + "</table>"
        )
    for key in ("pay_link", "portal_link", "preferences_link"):
        html_vars[key] = mark_safe(f'<a href="{html.escape(text[key])}">{html.escape(text[key])}</a>')
    return text, html_vars


def _paragraphs_to_html(rendered: str) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", rendered) if p.strip()]
    return "\n".join(p if p.startswith("<table") else "<p>" + p.replace("\n", "<br>") + "</p>" for p in parts)


_LAYOUT = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body style="font-family:sans-serif;color:#222;max-width:600px">'
    '<div style="border-top:4px solid {color};padding:8px 0"><strong>{brand}</strong></div>{body}'
    '<p style="font-size:smaller;color:#666"><a href="{prefs}">{prefs_label}</a></p></body></html>'
)


def render(*, wording: Wording, context: dict, locale: str, name: str, merchant_name: str, code: str,
           brand_color: str = "#2f6f4f", support_email: str = "", prefs_label: str = "",
           verify_html: bool = False, parts: frozenset[str] = frozenset({"text", "html", "sms"}),
           final_date_default: str = "") -> Rendered:  # fmt: skip
    """Render subject, text, HTML and SMS, or raise RenderError; never returns a partial message.

    Variables are escaped and the layout is ours, so markup can only break in the template source, which is
    checked on save (and shipped ones in the tests); `verify_html` re-checks the result (previews).
    """
    text_vars, html_vars = variables_for(
        context=context, locale=locale, name=name, merchant_name=merchant_name, code=code,
        support_email=support_email, final_date_default=final_date_default,
    )  # fmt: skip
    used = _used(wording.subject) | (_used(wording.body) if parts & {"text", "html"} else frozenset())
    if "sms" in parts:
        used |= _used(wording.sms)
    missing = sorted(used - text_vars.keys())
    if missing:
        raise RenderError(f"missing variable: {', '.join(missing)}")
    subject = _render(wording.subject, text_vars, as_html=False).strip()
    text = _render(wording.body, text_vars, as_html=False).strip() + "\n" if "text" in parts else ""
    sms = _render(wording.sms, text_vars, as_html=False).strip() if wording.sms and "sms" in parts else ""
    if "html" not in parts:
        return Rendered(subject=subject, text=text, html="", sms=sms, locale=locale)
    body_html = _paragraphs_to_html(_render(wording.body, html_vars, as_html=True))
    page = _LAYOUT.format(
        lang=html.escape(locale), title=html.escape(subject), color=html.escape(brand_color),
        brand=html.escape(merchant_name), body=body_html, prefs=html.escape(text_vars["preferences_link"]),
        prefs_label=html.escape(prefs_label or "Contact preferences / unsubscribe"),
    )  # fmt: skip
    if verify_html:
        check_html(page)
    return Rendered(subject=subject, text=text, html=page, sms=sms, locale=locale)


_VOID = {"br", "hr", "img", "meta", "input", "link", "wbr", "area", "base", "col", "source"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()


def check_html(source: str) -> None:
    """Refuse unbalanced markup (an unclosed or stray tag): a mail client would show it broken."""
    parser = _Balance()
    parser.feed(source)
    parser.close()
    if parser.errors or parser.stack:
        problem = parser.errors[0] if parser.errors else f"<{parser.stack[-1]}> is never closed"
        raise RenderError(f"broken HTML: {problem}")


def sample_context(currency: str = "EUR") -> dict:
    """Facts for previews and template validation: every variable present."""
    return {
        "currency": currency,
        "balance_minor": 12950,
        "due_date": "2026-11-14",
        "items": [
            {"number": "#1042", "amount_minor": 8950, "balance_minor": 8950, "due_date": "2026-11-14"},
            {"number": "#1057", "amount_minor": 4000, "balance_minor": 4000, "due_date": "2026-11-21"},
        ],
        "final_date": "2026-12-20",
        "fee_minor": 4000,
        "fee_reason": "statutory late-payment compensation",
        "promise_minor": 5000,
        "promise_date": "2026-12-10",
        "paid_minor": 12950,
    }
