from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdeskConfig(AppConfig):
    """Collectors' work queue: tasks the engine hands to people."""

    name = "settle.workdesk"
    nav_items = [(40, "workdesk:queue", _("Work queue"), "collector")]
