from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.cases.models import Case
from settle.customers.models import Customer
from settle.merchants.models import Merchant


class Plan(models.Model):
    """An agreed schedule for everything a case owes. While it is kept, the case is paused (the engine sends
    nothing but what the law allows anyway); a missed installment, past its grace days, breaks it and the
    strategy resumes. Payments count from the moment the plan was agreed, whatever receivable they went to."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="plans")
    currency = models.CharField(max_length=3)
    total_minor = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    grace_days = models.PositiveSmallIntegerField(default=3)
    source = models.CharField(max_length=20, default="collector")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_note = models.CharField(max_length=300, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="plan_one_active_per_case"
            )
        ]
        indexes = [models.Index(fields=["next_check_at"], condition=Q(status="active"), name="plan_due_idx")]

    def __str__(self) -> str:
        return f"Plan {self.pk} for case {self.case_id} ({self.status})"


class Installment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount_minor = models.BigIntegerField()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="installment_unique")]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount_minor} on {self.due_date}"

    @property
    def amount(self):
        from settle.core.money import Money

        return Money(self.amount_minor, self.plan.currency)
