from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Cases, strategies and the decision engine's tick."""

    name = "settle.cases"
    worker_jobs = [(30, "settle.cases.engine.advance_due_cases")]
    nav_items = [
        (20, "cases:list", _("Cases"), "viewer"),
        (60, "cases:strategies", _("Strategies"), "viewer"),
    ]
