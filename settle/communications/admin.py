from django.contrib import admin

from .models import DeliveryAttempt, Message


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["started_at", "finished_at", "outcome", "provider_ref", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, for inspection; state changes go through the delivery services, not this form."""

    list_display = [
        "id",
        "merchant",
        "customer",
        "channel",
        "template_key",
        "status",
        "not_before",
        "sent_at",
    ]
    list_filter = ["merchant", "status", "channel"]
    search_fields = ["idempotency_key", "provider_ref", "code"]
    raw_id_fields = ["customer", "case", "contact_point"]
    readonly_fields = ["code", "idempotency_key", "attempts", "provider_ref", "lease_until"]
    inlines = [DeliveryAttemptInline]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["message", "started_at", "finished_at", "outcome", "provider_ref"]
    list_filter = ["outcome"]
    raw_id_fields = ["message"]
