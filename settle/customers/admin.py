from django.contrib import admin

from .models import ContactPoint, ContactPreference, Customer


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ["kind", "value", "is_primary", "verified", "disabled_at", "last_error"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "kind", "country", "timezone", "locale"]
    list_filter = ["merchant", "kind", "country"]
    search_fields = ["name", "external_id"]
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "value", "is_primary", "disabled_at"]
    list_filter = ["kind"]
    search_fields = ["value"]


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ["customer", "channel", "opted_out_at", "preferred_from", "preferred_until", "source"]
    list_filter = ["channel", "source"]
    raw_id_fields = ["customer"]
