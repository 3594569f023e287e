from time import perf_counter

from django.core.management.base import BaseCommand, CommandError

from settle.demo.generate import DEMO_LOGINS, DEMO_PASSWORD, DEMO_SLUG, demo_load
from settle.merchants.models import Merchant


class Command(BaseCommand):
    help = "Load the demo merchant Acme Outdoor with 18 months of customers, orders and payments."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="same seed (and clock) → same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any merchant exists")
        parser.add_argument("--customers", type=int, default=520)

    def handle(self, *args, seed, if_empty, customers, **options):
        if if_empty and Merchant.objects.exists():
            self.stdout.write("The database already has data; demo data not loaded.")
            return
        if Merchant.objects.filter(slug=DEMO_SLUG).exists():
            raise CommandError(f"the demo merchant {DEMO_SLUG!r} exists already; use a fresh database")
        started = perf_counter()
        result = demo_load(seed=seed, customers=customers)
        self.stdout.write(
            f"Demo data loaded in {perf_counter() - started:.1f} s: {result.customers} customers, "
            f"{result.receivables} orders/invoices, {result.payments} payments (seed {seed}, digest "
            f"{result.digest[:12]})."
        )
        logins = ", ".join(f"{name} / {DEMO_PASSWORD} ({role})" for name, role in DEMO_LOGINS)
        self.stdout.write(f"Logins: {logins}")
