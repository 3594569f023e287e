from django.core.management.base import BaseCommand

from settle.core import clock
from settle.worker.loop import run_once


class Command(BaseCommand):
    help = "Run one worker iteration at a moment: manage.py tick --at 2026-12-01T09:00:00Z"

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO 8601 instant (the global --at is consumed by manage.py)")

    def handle(self, *args, **options):
        if options.get("at"):
            clock.set_clock(clock.FrozenClock(clock.parse_instant(options["at"])))
        now = clock.now()
        self.stdout.write(f"tick at {now.isoformat()}")
        for result in run_once(now):
            line = f"  {result.job}: {result.done}" + (f" ERROR {result.error}" if result.error else "")
            self.stdout.write(line)
