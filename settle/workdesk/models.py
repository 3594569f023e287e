from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.cases.models import Case
from settle.customers.models import Customer
from settle.merchants.models import Merchant


class Outcome(models.TextChoices):
    """What a collector records when closing a task: a closed set, so reports and the engine can rely on it."""

    REACHED = "reached", _("Reached the customer")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Customer disputes the debt")
    DONE = "done", _("Done (no contact needed)")
    HANDOFF_APPROVED = "handoff_approved", _("Approve the handoff to the agency")
    HANDOFF_DECLINED = "handoff_declined", _("Decline the handoff")


HANDOFF_OUTCOMES = frozenset({Outcome.HANDOFF_APPROVED, Outcome.HANDOFF_DECLINED})


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
    # What the person who closed it recorded (`workdesk.services.task_complete`); empty while open.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_by_label = models.CharField(max_length=150, blank=True, help_text=_("User or API key"))

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["merchant", "due_at"], condition=Q(status="open"), name="task_open_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.customer_id} ({self.status})"

    def outcomes(self) -> list[str]:
        """The outcomes this kind of task may be closed with: a handoff is approved or declined, nothing else."""
        if self.kind == "agency_handoff":
            return [o.value for o in Outcome if o in HANDOFF_OUTCOMES]
        return [o.value for o in Outcome if o not in HANDOFF_OUTCOMES]
