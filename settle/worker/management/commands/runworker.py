from django.core.management.base import BaseCommand

from settle.worker.loop import Loop


class Command(BaseCommand):
    help = "Run the background worker loop until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--idle", type=float, default=None, help="seconds to sleep when idle")
        parser.add_argument("--iterations", type=int, default=None, help="stop after N iterations")

    def handle(self, *args, **options):
        loop = Loop(idle_seconds=options["idle"])
        loop.install_signal_handlers()
        self.stdout.write("settle worker started")
        n = loop.run(max_iterations=options["iterations"])
        self.stdout.write(f"settle worker stopped after {n} iterations")
