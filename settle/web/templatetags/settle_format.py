"""Template filters that format money in the reader's language (babel, via Money.format)."""

from django import template
from django.utils.translation import get_language

from settle.core.money import Money

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    """`{{ row.overdue|money }}` → "1 234,50 zł" for a Polish reader, "PLN 1,234.50" for an English one."""
    if value is None:
        return ""
    return value.format(locale=(get_language() or "en").replace("-", "_"))


@register.filter
def minor(amount_minor: int, currency: str) -> str:
    """`{{ entry.amount_minor|minor:entry.currency }}` for rows that keep money as minor units."""
    return money(Money(amount_minor, currency))
