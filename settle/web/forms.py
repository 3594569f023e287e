"""Forms of the merchant app. They only parse input; services validate the domain and write."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.utils.translation import gettext_lazy as _

from settle.merchants.models import AllocationOrder, Role


@cache
def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=0, decimal_places=3, max_digits=18)
    currency = forms.ChoiceField(label=_("Currency"))
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = forms.CharField(label=_("Method"), max_length=50, required=False)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_("Bank transfer or receipt id; recording the same reference twice records it once."),
    )
    receivable = forms.ChoiceField(label=_("Apply first to"), required=False)

    def __init__(self, *args, currencies: list[str], receivables: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["receivable"].choices = [("", _("By the merchant's allocation order"))] + [
            (str(r.pk), f"{r.number} · {r.currency}") for r in receivables
        ]


class MerchantSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    timezone = forms.ChoiceField(label=_("Time zone"))
    default_currency = forms.CharField(
        label=_("Default currency"), max_length=3, min_length=3, help_text=_("ISO 4217, e.g. EUR")
    )
    allocation_order = forms.ChoiceField(label=_("Allocation order"), choices=AllocationOrder.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezone_choices()


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MANAGER)
