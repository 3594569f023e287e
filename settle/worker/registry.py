"""Where the worker finds its jobs: each app declares its own, so adding an app never edits the loop.

An app's `AppConfig` may set `worker_jobs = [(order, "dotted.path.to.job"), ...]`; `job(now) -> int` returns
the units of work done. Lower `order` runs first in each iteration (importers and the engine's tick before
delivery, so a decision made in this iteration is delivered in the same one). `settings.SETTLE_WORKER_JOBS`
adds extra jobs (order 1000) for deployments.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings


def worker_jobs() -> list[str]:
    entries: list[tuple[int, str]] = []
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "worker_jobs", ()))
    entries.extend((1000, path) for path in getattr(settings, "SETTLE_WORKER_JOBS", ()))
    return [path for _order, path in sorted(entries, key=lambda entry: entry[0])]
