import os
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app and run the worker loop beside it (the embedded, one-machine mode)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        worker = subprocess.Popen([sys.executable, "manage.py", "runworker"], env=os.environ.copy())
        self.stdout.write(f"Settle is running at http://{options['addr']}/  (worker pid {worker.pid})")
        self.stdout.write("Demo login: demo / settle-demo  (see README)")
        try:
            call_command("runserver", options["addr"], use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
