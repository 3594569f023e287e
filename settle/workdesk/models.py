from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.cases.models import Case
from settle.customers.models import Customer
from settle.merchants.models import Merchant


class Task(models.Model):
    """Work for a person: a call, a review, a final notice by hand, an agency handoff to approve.

    The engine creates tasks when a step needs a human or when compliance leaves no lawful channel, so a blocked
    contact is never silently dropped. `idempotency_key` (case + step + kind) keeps a replayed decision single.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=30)
    step_key = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["merchant", "due_at"], condition=Q(status="open"), name="task_open_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.customer_id} ({self.status})"
