"""Merchant-app pages for integrations (manager+) and the public pay-link redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from settle.customers.validation import FieldError
from settle.merchants.models import Role
from settle.web.access import merchant_view

from . import selectors
from .paylinks import PayLinkUnavailable, pay_link_target
from .registry import SOURCES
from .services import connection_create, connection_disconnect, event_replay

REMINDER_CHOICES = {
    "shopify": [
        ("shopify_payment_reminders", "Shopify payment reminders"),
        ("shopify_flow", "Shopify Flow reminders"),
    ],
    "woocommerce": [("woocommerce_follow_ups", "WooCommerce follow-up emails")],
    "stripe": [
        ("stripe_invoice_reminders", "Stripe invoice reminders"),
        ("stripe_smart_retries_emails", "Stripe failed-payment emails"),
    ],  # fmt: skip
}


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def connections(request):
    merchant = request.merchant
    if request.method == "POST":
        source = request.POST.get("source", "")
        secrets = {k: request.POST.get(k, "").strip() for k in ("webhook_secret", "api_key", "access_token",
                                                                 "consumer_key", "consumer_secret")}  # fmt: skip
        try:
            connection_create(
                merchant=merchant, source=source, account=request.POST.get("account", ""),
                secrets={k: v for k, v in secrets.items() if v}, api_base=request.POST.get("api_base", ""),
                shop_reminders=request.POST.getlist("shop_reminders"),
                settings={"pay_link_mode": request.POST.get("pay_link_mode", "stripe"),
                          "cancel_on_final_step": request.POST.get("cancel_on_final_step") == "on",
                          "restock_on_cancel": request.POST.get("restock_on_cancel") == "on"},
            )  # fmt: skip
        except FieldError as exc:
            messages.error(request, exc.reason)
        else:
            messages.success(request, _("Connected. Paste the webhook URL into the store's settings."))
        return redirect("integrations:connections")
    live = selectors.connection_list(merchant=merchant)
    base = settings.SETTLE_PUBLIC_URL.rstrip("/")
    rows = [{"connection": c, "url": f"{base}/hooks/{c.source}/{merchant.slug}/"} for c in live]
    connected = {c.source for c in live}
    return render(request, "integrations/connections.html", {
        "rows": rows, "sources": [s for s in SOURCES if s not in connected], "reminder_choices": REMINDER_CHOICES,
        "events": selectors.event_list(merchant=merchant)[:50],
    })  # fmt: skip


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def disconnect(request, connection_id: int):
    connection = get_object_or_404(selectors.connection_list(merchant=request.merchant), pk=connection_id)
    if request.method != "POST":  # after the lookup: another tenant's id is 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    connection_disconnect(connection=connection)
    messages.success(request, _("Disconnected. Its history stays."))
    return redirect("integrations:connections")


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def test_connection(request, connection_id: int):
    """Call the source's API once with the stored credentials and say what happened."""
    from .backfill import connection_test

    connection = get_object_or_404(selectors.connection_list(merchant=request.merchant), pk=connection_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        messages.success(request, connection_test(connection=connection))
    except Exception as exc:  # noqa: BLE001 - whatever went wrong is what the merchant needs to read
        messages.error(
            request, _("Connection test failed: %(reason)s") % {"reason": f"{type(exc).__name__}: {exc}"}
        )
    return redirect("integrations:connections")


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def events(request):
    status = request.GET.get("status", "")
    return render(request, "integrations/events.html", {
        "events": selectors.event_list(merchant=request.merchant, status=status)[:200], "status": status,
    })  # fmt: skip


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def replay(request, event_id: int):
    event = get_object_or_404(selectors.event_list(merchant=request.merchant), pk=event_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        event_replay(event=event)
    except FieldError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, _("Replayed: %(outcome)s") % {"outcome": event.outcome})
    return HttpResponseRedirect(request.POST.get("next") or reverse("integrations:events"))


def pay(request, code):
    """Public: the pay link in every reminder. Mints the Checkout Session on click, never before."""
    from settle.communications.models import Message

    message = Message.objects.select_related("case").filter(code=code).first()
    if message is None:
        raise Http404
    try:
        return HttpResponseRedirect(pay_link_target(message=message))
    except PayLinkUnavailable as exc:
        return render(request, "integrations/pay_unavailable.html", {"reason": str(exc)}, status=200)


def pay_done(request, code):
    return render(request, "integrations/pay_done.html", {})
