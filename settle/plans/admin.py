from django.contrib import admin

from .models import Installment, Plan


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "due_date", "amount_minor"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Read-only: plans are agreed and ended through the services, which pause and resume the case."""

    list_display = [
        "id",
        "merchant",
        "case",
        "currency",
        "total_minor",
        "status",
        "created_at",
        "next_check_at",
    ]
    list_filter = ["merchant", "status"]
    raw_id_fields = ["case", "customer"]
    inlines = [InstallmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Installment)
class InstallmentAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "due_date", "amount_minor"]
    raw_id_fields = ["plan"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
