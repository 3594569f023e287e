from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """CSV imports of customers, receivables and payments: CLI, API upload and an upload page."""

    name = "settle.imports"
    verbose_name = _("Imports")
    worker_jobs = [(10, "settle.imports.jobs.process_uploaded_imports")]
    nav_items = [(80, "imports:index", _("Imports"), "viewer")]
