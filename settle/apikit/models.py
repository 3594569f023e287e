from django.db import models

from settle.merchants.models import Merchant


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` a merchant used on a POST, and the response it got.

    The row is inserted *before* the request runs (unique per merchant and key), so a concurrent duplicate
    finds it in flight (`status_code` null) and is refused instead of doing the work twice. Rows older than
    24 hours are purged by the worker; after that a key may be reused.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and the canonical JSON body: "same request" means same fingerprint.
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True, default=b"")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

    @property
    def in_flight(self) -> bool:
        return self.status_code is None
