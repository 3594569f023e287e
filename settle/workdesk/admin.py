from django.contrib import admin

from .models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "customer", "kind", "status", "outcome", "due_at", "case"]
    list_filter = ["merchant", "kind", "status", "outcome"]
    raw_id_fields = ["case", "customer", "completed_by"]
