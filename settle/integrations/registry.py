"""The integrations registry: one folder per source and this dict. Adding a source touches one line here."""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

SOURCES = {
    "shopify": "settle.integrations.shopify.plugin.Shopify",
    "woocommerce": "settle.integrations.woocommerce.plugin.WooCommerce",
    "stripe": "settle.integrations.stripe.plugin.Stripe",
}


@cache
def plugin_for(source: str):
    """The plugin instance for a source name; KeyError for an unknown one."""
    return import_string(SOURCES[source])()
