from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """Shopify, WooCommerce and Stripe in (webhooks, backfill), write-back and pay links out."""

    name = "settle.integrations"
    worker_jobs = [
        (20, "settle.integrations.jobs.process_events"),
        (21, "settle.integrations.jobs.recheck_and_reconcile"),
        (28, "settle.integrations.shop_reminders.shop_reminders_record"),
        (55, "settle.integrations.jobs.send_write_backs"),
    ]
    nav_items = [(80, "integrations:connections", _("Integrations"), "manager")]
    # Run by settle.customers.privacy.customer_erase: raw payloads and order facts also hold personal data.
    privacy_erasers = ["settle.integrations.privacy.erase_customer_payloads"]
