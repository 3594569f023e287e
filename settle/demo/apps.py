from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Realistic, reproducible demo data: `manage.py demo --seed N`."""

    name = "settle.demo"
    verbose_name = "Demo data"
