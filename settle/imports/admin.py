from django.contrib import admin

from .models import ImportJob, ImportRowError


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "kind", "status", "filename", "rows_done", "created_count", "error_count",
                    "created_at"]  # fmt: skip
    list_filter = ["status", "kind", "merchant"]
    readonly_fields = ["bytes_done", "rows_done", "created_count", "existing_count", "error_count"]


@admin.register(ImportRowError)
class ImportRowErrorAdmin(admin.ModelAdmin):
    list_display = ["job", "row_number", "column", "reason"]
    raw_id_fields = ["job"]
