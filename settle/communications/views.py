"""Outreach pages: templates with a live preview and "send a test to me", the delivery review list, and the
public endpoints (one-click unsubscribe, Twilio inbound SMS and status callbacks)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from settle.core import clock
from settle.customers.validation import FieldError
from settle.merchants.models import Role
from settle.web.access import merchant_view

from . import catalog, optout, selectors, services
from .delivery import deliver_one, message_confirm_unknown, message_retry_unknown
from .models import Message
from .render import VARIABLES, RenderError, Wording, library, sample_context, shipped_wording
from .render import render as render_wording


def _choice(request, name, options, default):
    value = request.GET.get(name) or request.POST.get(name) or default
    return value if value in options else default


def _current_wording(merchant, key, tone, locale):
    override = selectors.message_template_list(merchant=merchant).filter(template_key=key, tone=tone,
                                                                         locale=locale).first()  # fmt: skip
    if override:
        return Wording(override.subject, override.body, override.sms), True
    return shipped_wording(key, tone, locale)[0], False


@merchant_view(role=Role.VIEWER, write_role=Role.MANAGER)
def templates(request):
    """Every shipped key × tone, the merchant's overrides, and the editor with a live preview."""
    key = _choice(request, "key", catalog.TEMPLATE_KEYS, "reminder_1")
    tone = _choice(request, "tone", catalog.TONES, "gentle")
    locale = _choice(request, "locale", catalog.LANGUAGES, request.merchant.locales[0] if request.merchant.locales
                     else "en")  # fmt: skip
    wording, overridden = _current_wording(request.merchant, key, tone, locale)
    error = None
    if request.method == "POST":
        try:
            services.template_save(merchant=request.merchant, template_key=key, tone=tone, locale=locale,
                                   subject=request.POST.get("subject", ""), body=request.POST.get("body", ""),
                                   sms=request.POST.get("sms", ""))  # fmt: skip
            flash.success(request, _("Template saved."))
            return redirect(f"{request.path}?key={key}&tone={tone}&locale={locale}")
        except FieldError as exc:
            error = exc
            wording = Wording(
                request.POST.get("subject", ""), request.POST.get("body", ""), request.POST.get("sms", "")
            )
    shipped = sorted({(k, t) for (k, t) in library("en")})
    context = {
        "key": key, "tone": tone, "locale": locale, "wording": wording, "overridden": overridden, "error": error,
        "keys": list(catalog.TEMPLATE_KEYS.items()), "tones": catalog.TONES, "languages": catalog.LANGUAGES, "shipped": shipped,
        "variables": list(VARIABLES.items()), "overrides": selectors.message_template_list(merchant=request.merchant),
        "preview": _preview(request.merchant, key, tone, locale, wording),
    }  # fmt: skip
    return render(request, "communications/templates.html", context)


def _preview(merchant, key, tone, locale, wording):
    try:
        return render_wording(wording=wording, context=sample_context(merchant.default_currency), locale=locale,
                              name="Alicja Nowak", merchant_name=merchant.display_name, code=str(uuid.uuid4()),
                              brand_color=merchant.brand_color, verify_html=True)  # fmt: skip
    except RenderError as exc:
        return {"error": str(exc)}


@merchant_view(role=Role.VIEWER, write_role=Role.MANAGER)  # writes nothing, but previewing is part of editing
@require_POST
def preview(request):
    """HTMX: re-render the preview from the editor's current text, without saving."""
    key = _choice(request, "key", catalog.TEMPLATE_KEYS, "reminder_1")
    tone = _choice(request, "tone", catalog.TONES, "gentle")
    locale = _choice(request, "locale", catalog.LANGUAGES, "en")
    wording = Wording(
        request.POST.get("subject", ""), request.POST.get("body", ""), request.POST.get("sms", "")
    )
    error = None
    try:
        services.template_check(template_key=key, tone=tone, locale=locale, subject=wording.subject,
                                body=wording.body, sms=wording.sms)  # fmt: skip
    except FieldError as exc:
        error = exc
    context = {"preview": _preview(request.merchant, key, tone, locale, wording), "error": error}
    return render(request, "communications/_preview.html", context)


@merchant_view(role=Role.VIEWER, write_role=Role.COLLECTOR)
@require_POST
def send_test(request):
    """ "Send a test to me": the real send path (render, channel, attempt), flagged is_test."""
    key = _choice(request, "key", catalog.TEMPLATE_KEYS, "reminder_1")
    tone = _choice(request, "tone", catalog.TONES, "gentle")
    locale = _choice(request, "locale", catalog.LANGUAGES, "en")
    email = request.POST.get("email") or request.user.email
    try:
        message = services.message_send_test(merchant=request.merchant, template_key=key, tone=tone, locale=locale,
                                             email=email, at=clock.now())  # fmt: skip
    except FieldError as exc:
        flash.error(request, str(exc))
    else:
        deliver_one(message.pk, clock.now())
        message.refresh_from_db()
        if message.status == "sent":
            flash.success(request, _("Test sent to %(email)s.") % {"email": email})
        else:
            flash.error(request, _("The test was not sent: %(reason)s") % {"reason": message.status_reason})
    return redirect(f"/outreach/templates/?key={key}&tone={tone}&locale={locale}")


@merchant_view(role=Role.COLLECTOR, write_role=Role.COLLECTOR)
def review(request):
    """Messages whose delivery nobody can confirm: confirm they arrived, or queue them again."""
    if request.method == "POST":
        try:
            message = selectors.message_get(
                merchant=request.merchant, message_id=int(request.POST["message"])
            )
        except (Message.DoesNotExist, KeyError, ValueError) as exc:
            raise Http404 from exc
        if request.POST.get("action") == "retry":
            message_retry_unknown(message=message, at=clock.now())
        else:
            message_confirm_unknown(message=message)
        return redirect("communications:review")
    return render(request, "communications/review.html",
                  {"unknown": selectors.message_review_list(merchant=request.merchant)})  # fmt: skip


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """RFC 8058 one-click: a POST with `List-Unsubscribe=One-Click` opts out at once, no login needed.
    A GET shows a page with one button (link scanners must not unsubscribe anyone)."""
    data = optout.read_token(token)
    if data is None:
        return HttpResponseBadRequest("invalid link")
    from settle.customers.models import Customer

    customer = Customer.objects.filter(pk=data["c"], merchant_id=data["m"]).first()
    if customer is None:
        raise Http404
    done = False
    if request.method == "POST":
        optout.opt_out(customer=customer, channel=data["ch"], source="unsubscribe", at=clock.now(),
                       note="one-click" if request.POST.get("List-Unsubscribe") == "One-Click" else "page")  # fmt: skip
        done = True
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("unsubscribed", content_type="text/plain")
    return render(request, "communications/unsubscribe.html",
                  {"done": done, "channel": data["ch"], "merchant": customer.merchant})  # fmt: skip


def _twilio_valid(request, auth_token: str) -> bool:
    from twilio.request_validator import RequestValidator

    url = settings.SETTLE_PUBLIC_URL.rstrip("/") + request.path
    signature = request.headers.get("X-Twilio-Signature", "")
    return bool(auth_token) and RequestValidator(auth_token).validate(url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def sms_inbound(request, merchant_slug: str):
    """Twilio inbound SMS: STOP words opt the number's customer out of SMS; other replies are recorded."""
    from settle.communications.models import ChannelConfig, InboundMessage
    from settle.customers.models import ContactPoint

    config = (
        ChannelConfig.objects.filter(merchant__slug=merchant_slug, kind="sms")
        .select_related("merchant")
        .first()
    )
    if config is None or not _twilio_valid(request, config.secret):
        return HttpResponseForbidden("invalid signature")
    sender, body = request.POST.get("From", ""), request.POST.get("Body", "")
    points = ContactPoint.objects.filter(merchant=config.merchant, kind="phone", value=sender).select_related(
        "customer"
    )
    now = clock.now()
    for point in points:
        kind = "stop" if optout.is_stop_word(body) else "start" if optout.is_start_word(body) else "reply"
        InboundMessage.objects.create(merchant=config.merchant, customer=point.customer, channel="sms", kind=kind,
                                      body=body[:2000], provider_ref=request.POST.get("MessageSid", ""),
                                      received_at=now)  # fmt: skip
        if kind == "stop":
            optout.opt_out(customer=point.customer, channel="sms", source="sms_stop", at=now, note=body[:300])
        elif kind == "start":
            optout.opt_in(customer=point.customer, channel="sms", source="sms_start")
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml")


@csrf_exempt
@require_POST
def sms_status(request, code: str):
    """Twilio status callback for one message (verified with the merchant's auth token)."""
    from .models import ChannelConfig
    from .receipts import receipt_record

    message = Message.objects.select_related("customer", "contact_point", "case").filter(code=code).first()
    if message is None:
        raise Http404
    config = ChannelConfig.objects.filter(merchant_id=message.merchant_id, kind="sms").first()
    if config is None or not _twilio_valid(request, config.secret):
        return HttpResponseForbidden("invalid signature")
    status = request.POST.get("MessageStatus", "")
    error_code = request.POST.get("ErrorCode", "")
    if status in ("undelivered", "failed") and error_code in {"30003", "30005", "30006", "30007", "21610"}:
        receipt_record(message=message, status="bounced", detail=f"twilio {status} {error_code}")
    else:
        receipt_record(message=message, status=status, detail=error_code)
    return HttpResponse(status=204)
