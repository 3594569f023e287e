from django.apps import AppConfig


class ApikitConfig(AppConfig):
    """Shared REST API machinery: cursor pagination, Idempotency-Key, problem+json outside ninja."""

    name = "settle.apikit"
    worker_jobs = [(90, "settle.apikit.jobs.idempotency_purge")]
