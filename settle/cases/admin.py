from django.contrib import admin

from .models import Case, CaseEvent, Dispute, EngineSettings, FxRate, RatePeriod, Strategy, StrategyVersion


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "merchant", "customer", "currency", "segment", "stage", "opened_at", "closed_at",
                    "next_check_at"]  # fmt: skip
    list_filter = ["merchant", "stage", "segment", "currency"]
    raw_id_fields = ["customer", "strategy_version"]


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    """The decision log is evidence: readable here, never edited."""

    list_display = ["id", "case", "at", "kind", "step_key", "action", "stage", "next_check_at"]
    list_filter = ["kind", "action"]
    raw_id_fields = ["case"]

    def has_change_permission(self, request, obj=None):
        return False


class StrategyVersionInline(admin.TabularInline):
    model = StrategyVersion
    extra = 0
    can_delete = False
    readonly_fields = ["number", "steps", "created_at", "note"]


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "segments", "priority", "is_active", "current_version"]
    list_filter = ["merchant", "is_active"]
    inlines = [StrategyVersionInline]
    raw_id_fields = ["current_version"]


@admin.register(StrategyVersion)
class StrategyVersionAdmin(admin.ModelAdmin):
    list_display = ["strategy", "number", "created_at", "note"]
    readonly_fields = ["strategy", "number", "steps", "created_at"]


@admin.register(EngineSettings)
class EngineSettingsAdmin(admin.ModelAdmin):
    list_display = ["merchant", "loyal_min_on_time_orders", "repeat_late_min", "new_max_orders",
                    "high_value_minor", "consumer_interest_percent"]  # fmt: skip


@admin.register(RatePeriod)
class RatePeriodAdmin(admin.ModelAdmin):
    """Statutory rates, effective-dated: add a row when a central bank moves; never edit history."""

    list_display = ["key", "effective_from", "percent", "confidence", "source"]
    list_filter = ["key", "confidence"]


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["on", "base", "quote", "rate", "source"]
    list_filter = ["base", "quote"]
    date_hierarchy = "on"


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Read-only: opening and resolving go through the services, which pause the case and credit the ledger."""

    list_display = [
        "id",
        "merchant",
        "case",
        "receivable",
        "status",
        "opened_at",
        "resolved_at",
        "credited_minor",
    ]
    list_filter = ["merchant", "status", "source"]
    raw_id_fields = ["case", "receivable"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
