from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.customers.models import Customer
from settle.ledger.models import Receivable
from settle.merchants.models import Merchant


class Connection(models.Model):
    """One merchant's link to one shop or billing system (Shopify, WooCommerce, Stripe).

    Secrets (webhook signing secrets, API tokens) are stored encrypted with Fernet (`secrets_box.py`); the
    merchant's choices live in `settings` (due-date policy per payment method, cancel-and-restock, pay links).
    `shop_reminders` records the reminders the shop itself sends, declared or detected at connection time, so
    the engine counts them against the same contact budget (see `selectors.shop_reminders_for`).
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="connections")
    source = models.CharField(max_length=20)
    account = models.CharField(
        max_length=255, blank=True, help_text=_("Shop domain, site URL or Stripe account id")
    )
    api_base = models.URLField(blank=True, help_text=_("API base URL used for backfill and write-back"))
    secrets_encrypted = models.TextField(blank=True)
    settings = models.JSONField(default=dict, blank=True)
    shop_reminders = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Reminders the shop sends itself, e.g. shopify_payment_reminders"),
    )
    shop_reminders_checked_at = models.DateTimeField(null=True, blank=True)
    backfill_cursor = models.CharField(max_length=500, blank=True)
    backfill_started_at = models.DateTimeField(null=True, blank=True)
    backfill_done_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source"],
                condition=Q(disconnected_at__isnull=True),
                name="connection_one_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.account} ({self.merchant_id})"

    @property
    def is_live(self) -> bool:
        return self.disconnected_at is None


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("Received, waiting")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Recorded and ignored")
    SKIPPED = "skipped", _("Not a debt to chase")
    HELD = "held", _("Held until its order arrives")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class InboundEvent(models.Model):
    """Every request to a webhook URL (and every backfilled object), stored before anything else happens.

    The raw body is kept byte for byte: it is what the signature covered and what a replay processes again.
    Verified deliveries are unique per (merchant, source, delivery_id), so a redelivery is answered without a
    second row. `resource_key` + `resource_version` let processing refuse to move state backwards.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20)
    topic = models.CharField(max_length=100, blank=True)
    delivery_id = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField()
    verified = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.RECEIVED)
    outcome = models.CharField(max_length=500, blank=True)
    error_field = models.CharField(max_length=100, blank=True)
    held_for = models.CharField(max_length=200, blank=True, help_text=_("Key of the object this waits for"))
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "delivery_id"],
                condition=Q(verified=True) & ~Q(delivery_id=""),
                name="inbound_event_delivery_unique",
            )
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(status="received"), name="inbound_event_todo_idx"),
            models.Index(
                fields=["merchant", "held_for"], condition=Q(status="held"), name="inbound_event_held_idx"
            ),
            models.Index(fields=["merchant", "-received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.topic} #{self.pk} ({self.status})"

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")


class SyncedObject(models.Model):
    """What Settle last applied for one object at the source (order, invoice, payment terms, customer).

    `version` is the source's own modification time of the newest applied state: an older event is stale
    and changes nothing. `state` and `note` say what that state meant (e.g. skipped: financed by Klarna).
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    external_id = models.CharField(max_length=100)
    version = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=30, blank=True)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    receivable = models.ForeignKey(
        Receivable, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recheck_at = models.DateTimeField(null=True, blank=True, help_text=_("Look again then (retry windows)"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "kind", "external_id"], name="synced_object_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["recheck_at"], condition=Q(recheck_at__isnull=False), name="synced_recheck_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_id}: {self.state}"


class WriteBackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class WriteBack(models.Model):
    """A change Settle must make in the shop (mark paid, set status, cancel and restock, set terms).

    Written in the transaction that decided it and sent by the worker, so a shop outage delays it and loses
    nothing; `key` is unique, so deciding twice queues it once.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="write_backs")
    action = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=WriteBackStatus.choices, default=WriteBackStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="write_back_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.external_id} ({self.status})"


class PayLink(models.Model):
    """A Stripe Checkout Session minted for one reminder's pay link, reused while open and unchanged."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    message_code = models.UUIDField(db_index=True)
    case_id = models.BigIntegerField()
    session_id = models.CharField(max_length=200, unique=True)
    url = models.URLField(max_length=1000)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.session_id


class PrivacyRequest(models.Model):
    """A data-subject request received from a shop (Shopify's mandatory compliance webhooks), and its result."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20)
    kind = models.CharField(max_length=30)  # data_request / customer_redact / shop_redact
    external_ref = models.CharField(max_length=200, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    export = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["-completed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_ref}"
