"""Merchant-app pages: webhook endpoints, the delivery log, resend (manager+)."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from settle.customers.validation import FieldError
from settle.merchants.models import Role
from settle.web.access import merchant_view

from .models import EVENT_TYPES, Delivery, Endpoint
from .services import delivery_resend, endpoint_create, endpoint_disable


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def endpoints(request):
    merchant = request.merchant
    secret = None
    if request.method == "POST":
        try:
            _endpoint, secret = endpoint_create(merchant=merchant, url=request.POST.get("url", "").strip(),
                                                events=request.POST.getlist("events"),
                                                description=request.POST.get("description", ""))  # fmt: skip
        except FieldError as exc:
            messages.error(request, exc.reason)
    return render(request, "webhooks_out/endpoints.html", {
        "endpoints": Endpoint.objects.filter(merchant=merchant, disabled_at__isnull=True), "secret": secret,
        "event_types": EVENT_TYPES,
        "deliveries": Delivery.objects.filter(merchant=merchant).select_related("endpoint")[:100],
    })  # fmt: skip


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def disable(request, endpoint_id: int):
    endpoint = get_object_or_404(Endpoint, merchant=request.merchant, pk=endpoint_id)
    if request.method != "POST":  # after the lookup: another tenant's id is 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    endpoint_disable(endpoint=endpoint)
    return redirect("webhooks_out:endpoints")


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def resend(request, delivery_id: int):
    delivery = get_object_or_404(Delivery, merchant=request.merchant, pk=delivery_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    delivery_resend(delivery=delivery)
    messages.success(request, _("Queued to send again."))
    return redirect("webhooks_out:endpoints")
