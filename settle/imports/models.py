from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settle.merchants.models import Merchant


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    RECEIVABLES = "receivables", _("Receivables")
    PAYMENTS = "payments", _("Payments")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


def _upload_to(job: "ImportJob", filename: str) -> str:
    return f"imports/{job.merchant_id}/{filename}"


class ImportJob(models.Model):
    """One CSV file being imported: its stored copy, progress and counts.

    Each chunk commits its rows together with `rows_done`, so a worker that dies mid-file resumes after the
    last committed chunk (the lease in `heartbeat_at` expires) and never imports a row twice.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    file = models.FileField(upload_to=_upload_to, blank=True)
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    rows_done = models.BigIntegerField(default=0, help_text=_("Data rows read and committed"))
    created_count = models.BigIntegerField(default=0)
    existing_count = models.BigIntegerField(default=0, help_text=_("Rows already imported before"))
    error_count = models.BigIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["queued", "running"]),
                name="import_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.REFUSED):
            return 100
        if not self.size_bytes:
            return 0
        return min(99, self.bytes_done * 100 // self.size_bytes)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)


class ImportRowError(models.Model):
    """Why one row (or one cell) of an import was not stored; row 1 is the header, as in a spreadsheet."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.BigIntegerField()
    column = models.CharField(max_length=50)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["job", "row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"row {self.row_number} {self.column}: {self.reason}"
