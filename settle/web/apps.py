from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The merchant app's shell and core pages: login, dashboard, customers, settings, API keys."""

    name = "settle.web"
    nav_items = [
        (0, "web:dashboard", _("Dashboard"), "viewer"),
        (10, "web:customers", _("Customers"), "viewer"),
        (80, "web:settings", _("Settings"), "manager"),
        (85, "web:api-keys", _("API keys"), "owner"),
    ]
