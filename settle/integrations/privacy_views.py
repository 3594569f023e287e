"""Merchant-app pages for data-subject rights (services in settle/customers/privacy.py): download a customer's export, erase their personal data."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from settle.customers.models import Customer
from settle.customers.privacy import customer_erase, customer_export
from settle.customers.selectors import customer_get
from settle.merchants.models import Role
from settle.web.access import merchant_view


def _customer(request, customer_id: int) -> Customer:
    try:
        return customer_get(merchant=request.merchant, customer_id=customer_id)
    except Customer.DoesNotExist:
        raise Http404 from None


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def privacy(request, customer_id: int):
    customer = _customer(request, customer_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Type “erase” to confirm."))
        else:
            customer_erase(customer=customer)
            messages.success(request, _("Personal data erased. The anonymised ledger stays."))
        return redirect("privacy:customer", customer_id=customer.pk)
    return render(request, "integrations/privacy.html", {"customer": customer})


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def export(request, customer_id: int):
    data = customer_export(customer=_customer(request, customer_id))
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer_id}-export.json"'
    return response
