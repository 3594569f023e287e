"""Merchant-app pages. Views parse input, call selectors (reads) and services (writes), and render.

Every page is wrapped in `merchant_view`, reads `request.merchant`, and resolves ids through selectors that
take the merchant, so another tenant's id is a 404 exactly like a missing one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from settle.core import clock
from settle.core.money import InexactAmount, Money
from settle.customers.models import CustomerKind
from settle.customers.selectors import contact_point_list, customer_get, customer_list
from settle.customers.validation import FieldError
from settle.ledger import selectors as ledger
from settle.ledger.models import ReceivableStatus, Source
from settle.ledger.services import LedgerError, payment_record
from settle.merchants.models import ApiKey, Role
from settle.merchants.services import api_key_create, api_key_revoke, merchant_settings_update
from settle.web.access import merchant_switch, merchant_view
from settle.web.forms import ApiKeyForm, MerchantSettingsForm, PaymentForm
from settle.web.templatetags.settle_format import money

CUSTOMERS_PER_PAGE = 50
# Aging bucket → (fewest, most) days past due; `None` fewest means not yet due, `None` most means no limit.
AGING_RANGES = {
    "current": (None, None),
    "1_30": (1, 30),
    "31_60": (31, 60),
    "61_90": (61, 90),
    "90_plus": (91, None),
}


def _or_404(selector, **kwargs):
    """Call a `*_get` selector; a missing id and another merchant's id both become 404."""
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404(_("Not found")) from None


def _merchant_today(merchant):
    return clock.now().astimezone(ZoneInfo(merchant.timezone)).date()


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_POST
@login_required
def switch_merchant(request):
    try:
        merchant_id = int(request.POST.get("merchant", ""))
    except ValueError:
        merchant_id = 0
    if not merchant_switch(request, merchant_id):
        messages.error(request, _("You are not a member of that merchant."))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


@merchant_view()
def dashboard(request):
    merchant = request.merchant
    today = _merchant_today(merchant)
    aging = ledger.aging_summary(merchant=merchant, today=today)
    for row in aging:
        # Bar widths for the aging chart, as whole percentages of the currency's outstanding total.
        total = row.outstanding.minor or 1
        row.shares = [
            (name, amount, round(100 * amount.minor / total)) for name, amount in row.buckets.items()
        ]
    recent_payments = ledger.payment_list(merchant=merchant).select_related("customer")[:8]
    context = {
        "aging": aging,
        "today": today,
        "bucket_labels": bucket_labels(),
        "recent_payments": recent_payments,
        "customer_count": customer_list(merchant=merchant).count(),
    }
    return render(request, "web/dashboard.html", context)


def bucket_labels() -> dict[str, str]:
    return {
        "current": _("Not yet due"),
        "1_30": _("1–30 days"),
        "31_60": _("31–60 days"),
        "61_90": _("61–90 days"),
        "90_plus": _("Over 90 days"),
    }


@merchant_view()
def customers(request):
    merchant = request.merchant
    search = request.GET.get("q", "").strip()
    country = request.GET.get("country", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in CustomerKind.values:
        kind = ""
    owing = request.GET.get("owing") == "1"
    today = _merchant_today(merchant)
    qs = (
        customer_list(merchant=merchant, search=search, country=country, kind=kind)
        .annotate(
            open_count=Count("receivables", filter=Q(receivables__status=ReceivableStatus.OPEN)),
            overdue_count=Count(
                "receivables",
                filter=Q(receivables__status=ReceivableStatus.OPEN, receivables__due_date__lt=today),
            ),
        )
        .order_by("name", "id")
    )
    if owing:
        qs = qs.filter(open_count__gt=0)
    aging = request.GET.get("aging", "")
    aging_currency = request.GET.get("currency", "").upper()[:3]
    if aging in AGING_RANGES:
        # Customers with an open receivable in this aging bucket (the dashboard links here).
        newest, oldest = AGING_RANGES[aging]
        due = ledger.receivable_list(merchant=merchant, status=ReceivableStatus.OPEN, currency=aging_currency)
        if newest is not None:
            due = due.filter(due_date__lte=today - timedelta(days=newest))
        else:
            due = due.filter(due_date__gte=today)
        if oldest is not None:
            due = due.filter(due_date__gte=today - timedelta(days=oldest))
        qs = qs.filter(pk__in=due.values("customer_id"))
    else:
        aging = ""
    page = Paginator(qs, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    balances = ledger.open_balances_by_customer(merchant=merchant, customer_ids=[c.pk for c in page])
    for customer in page:
        customer.open_balances = balances.get(customer.pk, [])
    countries = (
        customer_list(merchant=merchant)
        .exclude(country="")
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "search": search,
        "country": country.upper(),
        "kind": kind,
        "owing": owing,
        "aging": aging,
        "aging_label": bucket_labels().get(aging, ""),
        "aging_currency": aging_currency,
        "countries": list(countries),
        "kinds": CustomerKind.choices,
        "query": query.urlencode(),
    }
    template = "web/_customer_rows.html" if request.headers.get("HX-Request") else "web/customers.html"
    return render(request, template, context)


@merchant_view()
def customer_detail(request, customer_id: int):
    merchant = request.merchant
    customer = _or_404(customer_get, merchant=merchant, customer_id=customer_id)
    today = _merchant_today(merchant)
    receivables = ledger.receivable_list(merchant=merchant, customer_id=customer.pk).order_by(
        "-due_date", "-id"
    )
    context = {
        "customer": customer,
        "today": today,
        "balances": ledger.customer_balances(merchant=merchant, customer_id=customer.pk),
        "receivables": receivables,
        "entries": ledger.ledger_for_customer(merchant=merchant, customer_id=customer.pk).reverse(),
        "contact_points": contact_point_list(merchant=merchant, customer_id=customer.pk),
        "can_record_payment": request.membership.allows(Role.COLLECTOR),
    }
    return render(request, "web/customer_detail.html", context)


@merchant_view()
def receivable_detail(request, receivable_id: int):
    receivable = _or_404(ledger.receivable_get, merchant=request.merchant, receivable_id=receivable_id)
    context = {
        "receivable": receivable,
        "entries": receivable.entries.select_related("payment").order_by("effective_at", "id"),
        "today": _merchant_today(request.merchant),
    }
    return render(request, "web/receivable_detail.html", context)


@merchant_view(role=Role.COLLECTOR, write_role=Role.COLLECTOR)
def payment_new(request, customer_id: int):
    """Record money a customer paid outside any integration (a bank transfer, cash at the counter)."""
    merchant = request.merchant
    customer = _or_404(customer_get, merchant=merchant, customer_id=customer_id)
    open_receivables = list(
        ledger.receivable_list(merchant=merchant, customer_id=customer.pk, status=ReceivableStatus.OPEN)
    )
    currencies = sorted({r.currency for r in open_receivables} | {merchant.default_currency})
    form = PaymentForm(
        request.POST or None,
        currencies=currencies,
        receivables=open_receivables,
        initial={"received_on": _merchant_today(merchant), "currency": currencies[0]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        receivable = next((r for r in open_receivables if str(r.pk) == data["receivable"]), None)
        received_on = data["received_on"]
        try:
            if received_on > _merchant_today(merchant):
                raise FieldError("received_on", _("must not be in the future"))
            amount = Money.from_decimal(data["amount"], data["currency"])
            if amount.minor <= 0:
                raise FieldError("amount", _("must be greater than zero"))
            # A date without a time: noon in the merchant's zone keeps it on that calendar day everywhere.
            received_at = datetime.combine(received_on, time(12), tzinfo=ZoneInfo(merchant.timezone))
            payment, created = payment_record(
                merchant=merchant,
                customer=customer,
                amount=amount,
                external_id=data["reference"],
                received_at=received_at,
                source=Source.SETTLE,
                method=data["method"],
                receivable=receivable,
            )
        except InexactAmount:
            form.add_error("amount", _("Too many decimal places for this currency."))
        except (FieldError, LedgerError) as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.reason)
        else:
            if created:
                messages.success(
                    request, _("Payment of %(amount)s recorded.") % {"amount": money(payment.amount)}
                )
            else:
                messages.info(request, _("This payment was already recorded; nothing changed."))
            return redirect("web:customer", customer_id=customer.pk)
    return render(request, "web/payment_new.html", {"customer": customer, "form": form})


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def merchant_settings(request):
    merchant = request.merchant
    initial = {
        "name": merchant.name,
        "timezone": merchant.timezone,
        "default_currency": merchant.default_currency,
        "allocation_order": merchant.allocation_order,
    }
    form = MerchantSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            merchant_settings_update(merchant=merchant, **form.cleaned_data)
        except FieldError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.reason)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("web:settings")
    return render(request, "web/settings.html", {"form": form})


@merchant_view(role=Role.OWNER, write_role=Role.OWNER)
@never_cache  # the response may carry a secret: no browser or proxy may keep it
def api_keys(request):
    """List keys and create one; the secret is shown on this response only and never stored."""
    merchant = request.merchant
    form = ApiKeyForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _key, token = api_key_create(merchant=merchant, **form.cleaned_data)
        form = ApiKeyForm()
    keys = ApiKey.objects.filter(merchant=merchant).order_by("revoked_at", "-created_at")
    return render(request, "web/api_keys.html", {"form": form, "keys": keys, "token": token})


@merchant_view(role=Role.OWNER, write_role=Role.OWNER)
def api_key_revoke_view(request, api_key_id: int):
    # The id is checked before the method, so another merchant's key is a 404 whatever the method.
    if not ApiKey.objects.filter(merchant=request.merchant, pk=api_key_id).exists():
        raise Http404(_("Not found"))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    api_key_revoke(merchant=request.merchant, key_id=api_key_id)
    messages.success(request, _("The key was revoked; requests using it are refused from now on."))
    return redirect("web:api-keys")
