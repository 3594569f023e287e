from django.contrib import admin

from .models import (
    ChannelConfig,
    DeliveryAttempt,
    InboundMessage,
    Letter,
    Message,
    MessageTemplate,
    OutreachSettings,
    PortalNotice,
)


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


@admin.register(ChannelConfig)
class ChannelConfigAdmin(admin.ModelAdmin):
    list_display = ["merchant", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]


@admin.register(OutreachSettings)
class OutreachSettingsAdmin(admin.ModelAdmin):
    list_display = ["merchant", "one_message_per_day"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["merchant", "template_key", "tone", "locale", "updated_at"]
    list_filter = ["merchant", "template_key", "tone", "locale"]

    def save_model(self, request, obj, form, change):
        # The admin goes through the same checks as the page: no half-renderable or unkind template.
        from .services import template_check

        template_check(template_key=obj.template_key, tone=obj.tone, locale=obj.locale, subject=obj.subject,
                       body=obj.body, sms=obj.sms)  # fmt: skip
        super().save_model(request, obj, form, change)


@admin.register(PortalNotice)
class PortalNoticeAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "customer", "title", "created_at", "read_at"]
    raw_id_fields = ["customer", "message"]


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "message", "created_at", "printed_at"]
    raw_id_fields = ["message"]
    exclude = ["pdf"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "customer", "channel", "kind", "received_at"]
    list_filter = ["channel", "kind"]
    raw_id_fields = ["customer"]
