from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "merchant",
        "customer",
        "currency",
        "stage",
        "opened_at",
        "closed_at",
        "next_check_at",
    ]
    list_filter = ["merchant", "stage", "currency"]
    raw_id_fields = ["customer"]
