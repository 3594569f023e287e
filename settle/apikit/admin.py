from django.contrib import admin

from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "merchant", "method", "path", "status_code", "created_at"]
    list_filter = ["merchant", "status_code"]
    search_fields = ["key", "path"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]
