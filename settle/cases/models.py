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

    # No index of its own: (merchant, closed_at) below leads with it. Imports open hundreds of thousands of
    # cases, and every index is upkeep on each of them.
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="cases", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cases")
    currency = models.CharField(max_length=3)
    stage = models.CharField(max_length=100, default="new")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    # The engine's state: a running case keeps the strategy version it started on.
    strategy_version = models.ForeignKey(
        "cases.StrategyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    segment = models.CharField(max_length=30, blank=True)
    step_index = models.PositiveIntegerField(default=0, help_text=_("Steps of the strategy already handled"))
    last_step = models.CharField(max_length=100, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)
    # Set while a dispute is open (kept here so the engine reads it with the claim, not with another query).
    disputed_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Set when the case first runs past its oldest due date: only such cases count as lateness in segments
    # (a case opens with the first open receivable, so a customer who pays on time also had one).
    overdue_since = models.DateField(null=True, blank=True)

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


class CaseEvent(models.Model):
    """The decision log: what the engine (or a person) decided for a case, why, and what it scheduled.

    `reasons` holds the Reasons exactly as produced at decision time (code, sentence in en/pl/ru/de, source), so
    an explanation is read back, never re-derived with today's rules.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    # No index of its own: (case, at) below leads with it (one "opened" event per imported case).
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)  # opened | decision | closed | error
    step_key = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=30, blank=True)
    segment = models.CharField(max_length=30, blank=True)
    stage = models.CharField(max_length=100, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scheduled = models.JSONField(default=dict, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.step_key}"


class Strategy(models.Model):
    """A named collection ladder. `merchant` empty = a shipped default every merchant may use.

    Steps live in immutable `StrategyVersion`s: editing a strategy adds a version; running cases keep theirs.
    `segments` lists the segments this strategy serves (empty = any); lower `priority` wins.
    """

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="strategies"
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    segments = models.JSONField(default=list, blank=True)
    priority = models.PositiveIntegerField(default=100)
    terms_days = models.PositiveIntegerField(
        default=30, help_text=_("Payment terms: a pre-due step may not start earlier than this")
    )
    is_active = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "cases.StrategyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["priority", "name"]
        verbose_name_plural = "strategies"
        constraints = [models.UniqueConstraint(fields=["merchant", "slug"], name="strategy_slug_unique")]

    def __str__(self) -> str:
        return self.name


class StrategyVersion(models.Model):
    """One immutable set of ordered steps (JSON, validated by `cases.strategies.steps_validate`)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    steps = models.JSONField()
    created_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["strategy", "-number"]
        constraints = [models.UniqueConstraint(fields=["strategy", "number"], name="strategy_version_unique")]

    def __str__(self) -> str:
        return f"{self.strategy} v{self.number}"


class EngineSettings(models.Model):
    """Per-merchant engine thresholds: segmentation limits and the consumer interest the merchant's terms allow."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="engine_settings")
    loyal_min_on_time_orders = models.PositiveIntegerField(default=5)
    repeat_late_min = models.PositiveIntegerField(default=2)
    new_max_orders = models.PositiveIntegerField(default=1)
    high_value_minor = models.BigIntegerField(default=500_000)
    consumer_interest_percent = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True,
        help_text=_("Contractual consumer interest per annum, if the terms allow any; capped by law"),
    )  # fmt: skip

    def __str__(self) -> str:
        return f"engine settings for {self.merchant}"


class RatePeriod(models.Model):
    """An effective-dated statutory interest rate series (loaded from reference/regulations.yaml; editable).

    `key` names the series (e.g. DE_B2B = Basiszinssatz + 9 pp); `percent` already includes the spread.
    """

    key = models.CharField(max_length=30)
    effective_from = models.DateField()
    percent = models.DecimalField(max_digits=6, decimal_places=3)
    source = models.CharField(max_length=300, blank=True)
    confidence = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["key", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="rate_period_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.percent}% from {self.effective_from}"


class FxRate(models.Model):
    """A published exchange rate: 1 `base` = `rate` `quote` on `on` (NBP table A mid rates for Poland's
    EUR-fixed recovery compensation). Loaded by `manage.py fx_rates` or entered in admin; never guessed."""

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    on = models.DateField()
    rate = models.DecimalField(max_digits=12, decimal_places=6)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["base", "quote", "on"]
        constraints = [models.UniqueConstraint(fields=["base", "quote", "on"], name="fx_rate_unique")]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.on}"


class Dispute(models.Model):
    """The customer contests what the case says they owe: collection pauses until someone resolves it.

    `upheld` (the customer is right: the disputed amount is credited) or `rejected` (the debt stands and the
    ladder resumes where it was); the pause itself is a compliance rule the engine cannot skip.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disputes")
    receivable = models.ForeignKey(
        "ledger.Receivable", on_delete=models.PROTECT, null=True, blank=True, related_name="disputes"
    )
    reason = models.CharField(max_length=1000)
    source = models.CharField(max_length=20, default="collector")  # collector, customer, api, shop
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolution_note = models.CharField(max_length=1000, blank=True)
    credited_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["merchant", "status"])]

    def __str__(self) -> str:
        return f"Dispute {self.pk} on case {self.case_id} ({self.status})"
