"""Published exchange rates for money rules fixed in another currency (Poland's EUR 40/70/100 compensation).

Rates come from the central bank's own publication — NBP table A mid rates, in the JSON its API serves
(`/api/exchangerates/rates/a/eur/<from>/<to>/?format=json`) — either fetched or loaded from a saved file, and
can be corrected in admin. Numbers are read as Decimal straight from the JSON text: a rate never passes
through a float.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

from settle.customers.validation import FieldError

from .models import FxRate

NBP_MAX_DAYS = 93  # the API refuses longer ranges
TIMEOUT_SECONDS = 15


def nbp_parse(text: str | bytes) -> list[tuple[str, str, date, Decimal, str]]:
    """(base, quote, day, rate, source) rows of one NBP API answer; raises FieldError naming what is wrong."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, TypeError) as exc:
        raise FieldError("file", f"is not NBP JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rates"), list) or not data.get("code"):
        raise FieldError("file", "is not an NBP rates answer (needs 'code' and 'rates')")
    if str(data.get("table", "A")).upper() != "A":
        raise FieldError("table", f"must be A (mid rates), not {data.get('table')!r}")
    code = str(data["code"]).upper()
    rows = []
    for n, item in enumerate(data["rates"]):
        try:
            day = date.fromisoformat(str(item["effectiveDate"]))
            rate = Decimal(item["mid"])
        except (KeyError, ValueError, InvalidOperation, TypeError):
            raise FieldError(f"rates[{n}]", "needs effectiveDate (YYYY-MM-DD) and mid (a number)") from None
        if rate <= 0:
            raise FieldError(f"rates[{n}].mid", "must be positive")
        rows.append((code, "PLN", day, rate, f"NBP table A {item.get('no', '')}".strip()))
    return rows


def fx_rates_store(*, rows: list[tuple[str, str, date, Decimal, str]]) -> int:
    """Insert or correct rates (one per pair and day); returns how many rows were written."""
    FxRate.objects.bulk_create(
        [FxRate(base=b, quote=q, on=d, rate=r, source=s) for b, q, d, r, s in rows],
        update_conflicts=True, unique_fields=["base", "quote", "on"], update_fields=["rate", "source"],
    )  # fmt: skip
    return len(rows)


def nbp_fetch(*, currency: str, start: date, end: date, base_url: str | None = None) -> int:
    """Fetch NBP table A mid rates for `currency` over [start, end] (in 93-day requests) and store them."""
    base = (base_url or settings.SETTLE_NBP_API).rstrip("/")
    stored = 0
    while start <= end:
        stop = min(end, start + timedelta(days=NBP_MAX_DAYS - 1))
        url = f"{base}/api/exchangerates/rates/a/{currency.lower()}/{start}/{stop}/?format=json"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),  # noqa: S310
                                        timeout=TIMEOUT_SECONDS) as response:  # fmt: skip
                stored += fx_rates_store(rows=nbp_parse(response.read()))
        except urllib.error.HTTPError as exc:
            if exc.code != 404:  # 404 = "Brak danych": no table published in the range (holidays)
                raise
        start = stop + timedelta(days=1)
    return stored
