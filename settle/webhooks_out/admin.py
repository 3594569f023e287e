from django.contrib import admin

from .models import Cursor, Delivery, DeliveryAttempt, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["merchant", "url", "events", "disabled_at"]
    exclude = ["secret_encrypted"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "merchant",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    inlines = [AttemptInline]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "at", "status_code", "error", "duration_ms"]


@admin.register(Cursor)
class CursorAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
