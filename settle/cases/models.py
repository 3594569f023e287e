from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.customers.models import Customer
from settle.merchants.models import Merchant


class Case(models.Model):
    """One conversation with one customer about everything they owe in one currency.

    The engine finds work by `next_check_at` (partial index over open cases), so its cost grows with the cases
    due now, not with all cases. Ledger changes set `next_check_at` to now so the engine reacts at once.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="cases")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cases")
    currency = models.CharField(max_length=3)
    stage = models.CharField(max_length=30, default="new")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency"], condition=Q(closed_at__isnull=True), name="case_one_open"
            )
        ]
        indexes = [
            models.Index(fields=["next_check_at"], condition=Q(closed_at__isnull=True), name="case_due_idx"),
            models.Index(fields=["merchant", "closed_at"]),
        ]
        verbose_name = _("case")

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.customer_id}, {self.currency})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
