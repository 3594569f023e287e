"""NBP exchange rates: parsed as Decimal from the API's JSON, stored once per day, fetched in 93-day requests,
and handed to the engine so Polish compensation can be computed."""

import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from settle.cases.engine import TickContext
from settle.cases.fx import fx_rates_store, nbp_fetch, nbp_parse
from settle.cases.models import FxRate
from settle.customers.validation import FieldError

# The shape api.nbp.pl answers for /api/exchangerates/rates/a/eur/2026-10-29/2026-10-30/?format=json
ANSWER = (
    '{"table":"A","currency":"euro","code":"EUR","rates":['
    '{"no":"210/A/NBP/2026","effectiveDate":"2026-10-29","mid":4.2510},'
    '{"no":"211/A/NBP/2026","effectiveDate":"2026-10-30","mid":4.2455}]}'
)


def test_nbp_answer_is_read_as_decimals_and_a_reload_corrects_instead_of_duplicating(db):
    rows = nbp_parse(ANSWER)
    assert rows[1] == ("EUR", "PLN", date(2026, 10, 30), Decimal("4.2455"), "NBP table A 211/A/NBP/2026")
    assert fx_rates_store(rows=rows) == 2
    fx_rates_store(rows=[("EUR", "PLN", date(2026, 10, 30), Decimal("4.2456"), "corrected")])
    assert FxRate.objects.count() == 2
    assert FxRate.objects.get(on=date(2026, 10, 30)).rate == Decimal("4.2456")
    assert [f.rate for f in TickContext.load().rules_for("PL").fx] == [Decimal("4.2510"), Decimal("4.2456")]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("not json", "file"),
        ('{"table":"A","rates":[]}', "file"),
        ('{"table":"C","code":"EUR","rates":[]}', "table"),
        ('{"table":"A","code":"EUR","rates":[{"effectiveDate":"30.10.2026","mid":4.2}]}', "rates[0]"),
        ('{"table":"A","code":"EUR","rates":[{"effectiveDate":"2026-10-30","mid":-1}]}', "rates[0].mid"),
    ],
)
def test_a_bad_answer_names_what_is_wrong_and_stores_nothing(db, text, field):
    with pytest.raises(FieldError) as exc:
        nbp_parse(text)
    assert exc.value.field == field
    assert not FxRate.objects.exists()


class _FakeNbp(BaseHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        _FakeNbp.requests.append(self.path)
        # /api/exchangerates/rates/a/eur/<start>/<end>/?format=json
        start, end = self.path.split("/")[6:8]
        if end < "2026-10-01":
            self.send_response(404)  # NBP: "404 NotFound - Brak danych"
            self.end_headers()
            return
        body = json.dumps(json.loads(ANSWER)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_fetch_splits_the_range_into_93_day_requests_and_skips_empty_ones(db, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNbp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeNbp.requests = []
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert nbp_fetch(currency="EUR", start=date(2026, 6, 1), end=date(2026, 11, 30), base_url=base) == 2
        settings.SETTLE_NBP_API = base
        call_command("fx_rates", "--fetch-nbp", "--since", "2026-10-01")
    finally:
        server.shutdown()
    assert [p.split("/")[6:8] for p in _FakeNbp.requests[:2]] == [
        ["2026-06-01", "2026-09-01"], ["2026-09-02", "2026-11-30"]]  # fmt: skip
    assert FxRate.objects.count() == 2


def test_the_command_loads_a_saved_answer_and_refuses_a_bad_one(db, tmp_path):
    good = tmp_path / "eur.json"
    good.write_text(ANSWER)
    call_command("fx_rates", "--nbp-json", str(good))
    assert FxRate.objects.count() == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"table":"A","code":"EUR","rates":[{"mid":4}]}')
    with pytest.raises(CommandError, match="rates\\[0\\]"):
        call_command("fx_rates", "--nbp-json", str(bad))
    with pytest.raises(CommandError):
        call_command("fx_rates")
