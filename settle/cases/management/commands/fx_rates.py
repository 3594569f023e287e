"""`manage.py fx_rates --fetch-nbp --since 2026-01-01` or `manage.py fx_rates --nbp-json saved.json`.

Loads NBP table A mid rates (EUR by default) used to convert Poland's EUR-fixed recovery compensation. Run the
fetch daily (cron) where the server may reach api.nbp.pl; offline, save the API's answer and load the file.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from settle.cases.fx import fx_rates_store, nbp_fetch, nbp_parse
from settle.core import clock
from settle.customers.validation import FieldError


class Command(BaseCommand):
    help = "Load central-bank exchange rates (NBP table A) for compensation fixed in EUR."

    def add_arguments(self, parser):
        parser.add_argument("--nbp-json", type=Path, help="a saved answer of the NBP rates API")
        parser.add_argument("--fetch-nbp", action="store_true", help="fetch from SETTLE_NBP_API")
        parser.add_argument("--currency", default="EUR")
        parser.add_argument(
            "--since", type=date.fromisoformat, help="first day to fetch (default: 100 days ago)"
        )

    def handle(self, *args, **options):
        try:
            if options["nbp_json"]:
                stored = fx_rates_store(rows=nbp_parse(options["nbp_json"].read_bytes()))
            elif options["fetch_nbp"]:
                today = clock.now().date()
                since = options["since"] or today - timedelta(days=100)
                stored = nbp_fetch(currency=options["currency"], start=since, end=today)
            else:
                raise CommandError("give --nbp-json FILE or --fetch-nbp")
        except FieldError as exc:
            raise CommandError(f"{exc.field}: {exc.reason}") from None
        except OSError as exc:
            raise CommandError(f"could not read the rates: {exc}") from None
        self.stdout.write(f"{stored} rates stored")
