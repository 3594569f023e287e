from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.core.money import Money
from settle.customers.models import Customer
from settle.merchants.models import Merchant


class Source(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    STRIPE = "stripe", "Stripe"
    CSV = "csv", "CSV"
    API = "api", "API"
    SETTLE = "settle", "Settle"


class ReceivableStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    WRITTEN_OFF = "written_off", _("Written off")


class Receivable(models.Model):
    """Something a customer owes: an order, invoice or installment, with a due date.

    `balance_minor` and `status` are caches of the ledger, maintained only by `ledger.services` in the same
    transaction as the entries; `ledger_verify` proves they equal the sum of entries.
    """

    # No index of its own: the unique (merchant, source, external_id) and both composites lead with it.
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="receivables", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="receivables")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.API)
    external_id = models.CharField(max_length=100)
    number = models.CharField(
        max_length=100, blank=True, help_text=_("Order or invoice number shown to people")
    )
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField(help_text=_("Original amount in minor units"))
    balance_minor = models.BigIntegerField(default=0)
    issued_at = models.DateTimeField()
    due_date = models.DateField()
    terms = models.CharField(max_length=50, blank=True, help_text=_("e.g. net_30, due_on_receipt"))
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=ReceivableStatus.choices, default=ReceivableStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "external_id"], name="receivable_external_unique"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="receivable_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["merchant", "customer", "currency", "status"]),
            models.Index(fields=["merchant", "status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.number or self.external_id

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def balance(self) -> Money:
        return Money(self.balance_minor, self.currency)


class Payment(models.Model):
    """Money received from a customer. What is not allocated to receivables is the customer's credit."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="payments")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payments")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.API)
    external_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    unallocated_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)
    method = models.CharField(max_length=50, blank=True)
    received_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "external_id"], name="payment_external_unique"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from {self.customer_id}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    CREDIT_NOTE = "credit_note", _("Credit note")
    WRITE_OFF = "write_off", _("Write-off")
    FEE = "fee", _("Fee")
    INTEREST = "interest", _("Interest")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LedgerEntry(models.Model):
    """One append-only movement. Positive amounts increase what the customer owes, negative decrease it.

    An entry with no receivable moves the customer's credit (an overpayment waiting to be applied). Entries are
    never edited or deleted: a correction is a new entry. PostgreSQL enforces this with a trigger.
    """

    # Indexes are kept to what queries use: each one is upkeep on every entry written (imports write millions).
    # merchant_id is served by the (merchant, customer, currency) index, which leads with it.
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ledger_entries")
    receivable = models.ForeignKey(
        Receivable, on_delete=models.CASCADE, null=True, blank=True, related_name="entries"
    )
    # Indexed only where set (see Meta): charges, most entries, carry no payment.
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="entries", db_index=False
    )
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    effective_at = models.DateTimeField()
    memo = models.CharField(max_length=300, blank=True)
    source_ref = models.CharField(max_length=200, blank=True, help_text=_("The event or row that caused it"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["merchant", "customer", "currency"]),
            # receivable_id already has the foreign key's own index. Every lookup by payment is an equality
            # (payment_id = x or IN (...)), which implies NOT NULL, so the planner uses this partial index.
            models.Index(
                fields=["payment"], condition=Q(payment__isnull=False), name="ledger_entry_payment_set_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} {self.currency}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("ledger entries are append-only: add a correcting entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are append-only: add a correcting entry instead")
