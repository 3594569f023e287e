from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The merchant app's shell: login, merchant switch, access checks and the navigation bar."""

    name = "settle.web"
    nav_items = [(0, "web:dashboard", _("Dashboard"), "viewer")]
