from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksOutConfig(AppConfig):
    """Signed webhooks to the merchant's own systems, with retries, a delivery log and resend."""

    name = "settle.webhooks_out"
    label = "webhooks_out"
    worker_jobs = [(60, "settle.webhooks_out.jobs.send_webhooks")]
    nav_items = [(81, "webhooks_out:endpoints", _("Webhooks"), "manager")]
