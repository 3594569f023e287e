from django.contrib import admin

from .models import Connection, InboundEvent, PayLink, PrivacyRequest, SyncedObject, WriteBack


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["merchant", "source", "account", "created_at", "disconnected_at"]
    exclude = ["secrets_encrypted"]


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "source", "topic", "verified", "status", "outcome", "received_at"]
    list_filter = ["source", "status", "verified"]
    exclude = ["body"]
    readonly_fields = ["body_text"]


@admin.register(SyncedObject)
class SyncedObjectAdmin(admin.ModelAdmin):
    list_display = ["merchant", "source", "kind", "external_id", "state", "version", "note"]
    list_filter = ["source", "kind", "state"]


@admin.register(WriteBack)
class WriteBackAdmin(admin.ModelAdmin):
    list_display = ["merchant", "action", "external_id", "status", "attempts", "last_error"]


@admin.register(PayLink)
class PayLinkAdmin(admin.ModelAdmin):
    list_display = ["merchant", "session_id", "case_id", "amount_minor", "currency", "expires_at"]


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = ["merchant", "source", "kind", "external_ref", "completed_at"]
