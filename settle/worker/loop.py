"""One worker iteration is a plain function so tests can run it at any moment.

Jobs come from `settle.worker.registry.worker_jobs()` (each app's `AppConfig.worker_jobs`): dotted paths to
`job(now: datetime) -> int`, the number of units of work done. The database is the source of truth: a job finds its work by indexed timestamps, so a
crashed or restarted worker simply picks up where the rows say.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

from settle.core import clock
from settle.worker.registry import worker_jobs

log = logging.getLogger("settle.worker")


@dataclass(frozen=True)
class JobResult:
    job: str
    done: int
    error: str = ""


def run_once(now: datetime) -> list[JobResult]:
    """Run every job once at `now`. A failing job is logged and does not stop the others."""
    results = []
    for path in worker_jobs():
        try:
            done = int(import_string(path)(now) or 0)
            results.append(JobResult(path, done))
        except Exception as exc:  # a bad job must not take the loop down
            log.exception("worker job %s failed", path)
            results.append(JobResult(path, 0, f"{type(exc).__name__}: {exc}"))
    return results


class Loop:
    """Repeat `run_once` until stopped; SIGTERM/SIGINT finish the current iteration, then exit."""

    def __init__(self, idle_seconds: float | None = None) -> None:
        self.idle_seconds = settings.SETTLE_WORKER_IDLE_SECONDS if idle_seconds is None else idle_seconds
        self.stopping = False

    def stop(self, *_args) -> None:
        self.stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, max_iterations: int | None = None) -> int:
        iterations = 0
        while not self.stopping and (max_iterations is None or iterations < max_iterations):
            close_old_connections()
            results = run_once(clock.now())
            iterations += 1
            busy = any(r.done for r in results)
            if not busy and not self.stopping:
                slept = 0.0
                while slept < self.idle_seconds and not self.stopping:
                    time.sleep(min(0.2, self.idle_seconds))
                    slept += 0.2
        return iterations
