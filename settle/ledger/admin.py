from django.contrib import admin

from .models import LedgerEntry, Payment, Receivable


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fk_name = "receivable"
    extra = 0
    can_delete = False
    fields = ["kind", "amount_minor", "currency", "effective_at", "payment", "memo", "source_ref"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Receivable)
class ReceivableAdmin(admin.ModelAdmin):
    list_display = ["number", "merchant", "customer", "currency", "amount_minor", "balance_minor", "due_date",
                    "status"]  # fmt: skip
    list_filter = ["merchant", "status", "source", "currency"]
    search_fields = ["number", "external_id", "customer__name"]
    readonly_fields = ["balance_minor", "status", "closed_at"]
    raw_id_fields = ["customer"]
    inlines = [LedgerEntryInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["external_id", "merchant", "customer", "currency", "amount_minor", "unallocated_minor",
                    "refunded_minor", "received_at"]  # fmt: skip
    list_filter = ["merchant", "source", "currency"]
    raw_id_fields = ["customer"]
    readonly_fields = ["unallocated_minor", "refunded_minor"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only, corrections go through services."""

    list_display = ["effective_at", "merchant", "customer", "receivable", "kind", "amount_minor", "currency"]
    list_filter = ["merchant", "kind", "currency"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
