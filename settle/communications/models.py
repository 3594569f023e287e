import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.cases.models import Case
from settle.customers.models import ContactPoint, Customer
from settle.merchants.models import Merchant


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    UNKNOWN = "unknown", _("Unknown — needs review")


class Message(models.Model):
    """The outbox: one message the engine decided to send, written in the same transaction as the decision.

    `idempotency_key` (case + step + channel) is unique, so a decision replayed after a crash cannot queue a
    second copy; delivery claims rows with a conditional UPDATE on `status`, and a crash mid-send ends as
    `unknown` for review rather than a blind resend.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages", null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="messages")
    step_key = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=20)
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.SET_NULL, null=True, blank=True)
    template_key = models.CharField(max_length=100)
    tone = models.CharField(max_length=20, blank=True)
    locale = models.CharField(max_length=10, default="en")
    context = models.JSONField(
        default=dict, blank=True, help_text=_("Facts for rendering, fixed at decision")
    )
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    status_reason = models.CharField(max_length=500, blank=True)
    not_before = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set just before the message is handed to the provider: a crash before it is a safe retry, after it
    # only the provider can tell (lookup) or a person (unknown).
    handed_over_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_ref = models.CharField(max_length=200, blank=True)
    delivery_status = models.CharField(max_length=20, blank=True)
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_test = models.BooleanField(
        default=False, help_text=_("A 'send a test to me' message; counts against nothing")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["not_before"], condition=Q(status="queued"), name="message_queued_idx"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="message_sending_idx"),
            models.Index(fields=["customer", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.template_key} → {self.customer_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try at handing a message to its channel, with what the provider answered."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # sent / transient_error / permanent_error / blocked / unknown
    detail = models.TextField(blank=True)
    provider_ref = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at", "id"]


class ChannelConfig(models.Model):
    """A merchant's settings for one channel kind (sender, provider, endpoint, secret); absent → defaults."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    secret = models.CharField(max_length=200, blank=True, help_text=_("Signing secret or provider token"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "kind"], name="channel_config_unique")]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.kind}"


class OutreachSettings(models.Model):
    """Merchant-wide delivery rules that sit under the legal caps (which always apply on top)."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="+")
    one_message_per_day = models.BooleanField(
        default=True, help_text=_("At most one message per customer per day unless the customer acted")
    )

    def __str__(self) -> str:
        return f"outreach settings {self.merchant_id}"


class MessageTemplate(models.Model):
    """A merchant's own wording for one template key, tone and language; it replaces the shipped one.

    Saved only through `template_save`, which refuses missing variables, broken HTML and tone-guard findings.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    template_key = models.CharField(max_length=100)
    tone = models.CharField(max_length=20)
    locale = models.CharField(max_length=10)
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text=_("Plain text with {{ variables }}; HTML is built from it"))
    sms = models.CharField(max_length=480, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "template_key", "tone", "locale"], name="message_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_key}/{self.tone}/{self.locale}"


class PortalNotice(models.Model):
    """A message shown to the debtor in the portal; one per Message, so a retry cannot post it twice."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_notices")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="portal_notice")
    title = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Letter(models.Model):
    """A PDF for post (final notices), kept with the message it belongs to for the record and the print run."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="letter")
    pdf = models.BinaryField()
    created_at = models.DateTimeField()
    printed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"letter for message {self.message_id}"


class InboundMessage(models.Model):
    """Something the customer sent us (SMS reply, STOP) or did (a promise): it lifts the one-a-day limit."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="inbound_messages")
    channel = models.CharField(max_length=20)
    kind = models.CharField(max_length=20, default="reply")  # reply / stop / promise
    body = models.TextField(blank=True)
    provider_ref = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["customer", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} from {self.customer_id}"
