from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person may do for a merchant; each role includes the ones below it."""

    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    COLLECTOR = "collector", _("Collector")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 0, Role.COLLECTOR: 1, Role.MANAGER: 2, Role.OWNER: 3}


class AllocationOrder(models.TextChoices):
    OLDEST_DUE_FIRST = "oldest_due_first", _("Oldest due date first")
    NEWEST_DUE_FIRST = "newest_due_first", _("Newest due date first")


class Merchant(models.Model):
    """A tenant: one shop or company collecting its own receivables. Every domain row belongs to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    default_currency = models.CharField(max_length=3, default="EUR")
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2 of the merchant's seat"))
    timezone = models.CharField(max_length=64, default="UTC")
    locales = models.JSONField(default=list, blank=True, help_text=_("Languages the merchant writes in"))
    allocation_order = models.CharField(
        max_length=32, choices=AllocationOrder.choices, default=AllocationOrder.OLDEST_DUE_FIRST
    )
    brand_name = models.CharField(max_length=200, blank=True)
    brand_color = models.CharField(max_length=7, default="#2f6f4f")
    sender_name = models.CharField(max_length=200, blank=True)
    support_email = models.EmailField(blank=True)
    legal_name = models.CharField(max_length=200, blank=True)
    legal_address = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.brand_name or self.name


class Membership(models.Model):
    """A user's role at one merchant; a user may work for several merchants."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


class ApiKey(models.Model):
    """A revocable API credential scoped to one merchant. Only a SHA-256 of the secret is stored."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]
