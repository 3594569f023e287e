from django.core.management.base import BaseCommand, CommandError

from settle.worker.loop import Loop
from settle.worker.processes import run_processes


class Command(BaseCommand):
    help = "Run the background worker loop until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--idle", type=float, default=None, help="seconds to sleep when idle")
        parser.add_argument("--iterations", type=int, default=None, help="stop after N iterations")
        parser.add_argument(
            "--processes", type=int, default=1,
            help="run N loops in forked processes (they share the work through skip-locked claims)",
        )  # fmt: skip

    def handle(self, *args, **options):
        processes = options["processes"]
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        if processes > 1:
            self.stdout.write(f"settle worker started ({processes} processes)")
            failed = run_processes(
                processes, idle_seconds=options["idle"], max_iterations=options["iterations"]
            )
            self.stdout.write(f"settle worker stopped ({failed} loop(s) ended with an error)")
            return
        loop = Loop(idle_seconds=options["idle"])
        loop.install_signal_handlers()
        self.stdout.write("settle worker started")
        n = loop.run(max_iterations=options["iterations"])
        self.stdout.write(f"settle worker stopped after {n} iterations")
