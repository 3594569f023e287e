"""Outreach: the outbox of messages decided by the engine, delivery through channel plugins, receipts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CommunicationsConfig(AppConfig):
    name = "settle.communications"
    worker_jobs = [(50, "settle.communications.delivery.deliver_due")]
    nav_items = [
        (60, "communications:templates", gettext_lazy("Templates"), "viewer"),
        (61, "communications:review", gettext_lazy("Delivery review"), "collector"),
    ]

    def ready(self) -> None:
        from . import receipts  # noqa: F401 - connects anymail's tracking signal
