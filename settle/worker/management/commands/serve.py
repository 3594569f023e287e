import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def _stop_on_sigterm(signum, frame):
    # Turn SIGTERM (from `timeout`, systemd, docker stop) into the same clean exit as Ctrl-C.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Serve the web app and run the worker loop beside it (the embedded, one-machine mode)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        # Ctrl-C must stop us even when started from a shell that ignores SIGINT for background jobs.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        worker = subprocess.Popen([sys.executable, "manage.py", "runworker"], env=os.environ.copy())
        self.stdout.write(f"Settle is running at http://{options['addr']}/  (worker pid {worker.pid})")
        self.stdout.write("Demo login: demo / settle-demo  (viewer: demo-viewer / settle-demo)")
        self.stdout.write("Press Ctrl-C to stop the web server and the worker.")
        try:
            call_command("runserver", options["addr"], use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            # Ctrl-C and `timeout` signal the whole process group: the worker got its own signal, and a
            # second one here must not interrupt the wait for it.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            self.stdout.write("Settle stopped (web server and worker).")
