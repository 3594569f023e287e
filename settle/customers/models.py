from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.merchants.models import Merchant


class CustomerKind(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    BUSINESS = "business", _("Business")


class Customer(models.Model):
    """A debtor of one merchant.

    Country, region, city and timezone decide which contact rules apply and what "9 in the morning" means for
    this person; locale decides the language of every message.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="customers")
    source = models.CharField(max_length=20, default="api")
    # Shopify IDs exceed 2**53: external ids are always text.
    external_id = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=CustomerKind.choices, default=CustomerKind.CONSUMER)
    name = models.CharField(max_length=200)
    company_name = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField(max_length=50, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    region = models.CharField(max_length=10, blank=True, help_text=_("ISO 3166-2 subdivision, e.g. NY, MA"))
    city = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    locale = models.CharField(max_length=10, default="en")
    preferred_channel = models.CharField(max_length=20, blank=True)
    # Facts for segmentation, kept up to date by imports and integrations.
    orders_count = models.PositiveIntegerField(default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True, help_text=_("Personal data erased (GDPR)"))

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "external_id"],
                condition=~Q(external_id=""),
                name="customer_external_unique",
            )
        ]
        indexes = [models.Index(fields=["merchant", "name"])]

    def __str__(self) -> str:
        return self.name


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WEBHOOK = "webhook", _("Webhook")
    POSTAL = "postal", _("Postal address")


class ContactPoint(models.Model):
    """One way to reach a customer. Phones are stored in E.164; a failing point is disabled, not deleted."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    value = models.CharField(max_length=500)
    label = models.CharField(max_length=50, blank=True)
    is_primary = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    disabled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "value"], name="contact_point_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"

    @property
    def is_usable(self) -> bool:
        return self.disabled_at is None


class ContactPreference(models.Model):
    """What the customer asked for about contact: an opted-out channel, or preferred hours on a channel.

    Opt-outs apply to the very next decision; the source (portal, collector, STOP reply, unsubscribe link)
    and the time are kept so every blocked contact can say why.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_preferences")
    channel = models.CharField(
        max_length=20, help_text=_("email, sms, phone, webhook, portal, letter, or all")
    )
    opted_out_at = models.DateTimeField(null=True, blank=True)
    preferred_from = models.TimeField(null=True, blank=True, help_text=_("Earliest local time for contact"))
    preferred_until = models.TimeField(null=True, blank=True, help_text=_("Latest local time for contact"))
    source = models.CharField(max_length=30, help_text=_("portal, collector, sms_stop, unsubscribe, api"))
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="contact_preference_unique")
        ]

    def __str__(self) -> str:
        state = "opted out" if self.opted_out_at else "preferences"
        return f"{self.customer_id} {self.channel}: {state}"
