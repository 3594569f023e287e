"""Merchant pages: cases with their explained timeline, strategies and the strategy editor with a preview."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from settle.communications.catalog import CHANNELS, TEMPLATE_KEYS, TONES
from settle.core import clock
from settle.core.money import Money
from settle.customers.models import Customer
from settle.customers.validation import FieldError
from settle.ledger.models import Receivable
from settle.merchants.models import Role
from settle.policy.engine import ACTIONS, CaseSnapshot, ReceivableFact, preview
from settle.policy.rules import jurisdiction_for
from settle.policy.segments import SEGMENTS, CustomerFacts, segment_for
from settle.web.access import merchant_view

from .disputes import dispute_open, dispute_resolve
from .engine import CHANNEL_OF_KIND, TickContext
from .models import Case, Dispute, Strategy
from .selectors import case_get, case_list, case_timeline, strategy_get, strategy_list
from .services import strategy_save
from .step_rows import rows_echo, rows_from_steps, steps_from_rows
from .strategies import steps_validate


def _lang() -> str:
    code = (get_language() or "en")[:2]
    return code if code in ("en", "pl", "ru", "de") else "en"


def _reasons(raw: list[dict]) -> list[dict]:
    lang = _lang()
    return [{"code": r["code"], "text": r["text"].get(lang) or r["text"].get("en"), "source": r["source"]}
            for r in raw]  # fmt: skip


@merchant_view(role=Role.VIEWER)
def case_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    try:
        cases, next_cursor = case_list(merchant=request.merchant, status=status, cursor=request.GET.get("cursor", ""),
                                       limit=50)  # fmt: skip
    except FieldError:
        raise Http404 from None
    return render(request, "cases/list.html", {"cases": cases, "next_cursor": next_cursor, "status": status})


@merchant_view(role=Role.VIEWER)
def case_detail_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return _detail(request, case_id)


def _detail(request: HttpRequest, case_id: int, error: str = "") -> HttpResponse:
    try:
        case = case_get(merchant=request.merchant, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404 from None
    timeline = case_timeline(merchant=request.merchant, case=case)
    events = [{"e": e, "reasons": _reasons(e.reasons)} for e in timeline["events"]]
    receivables = Receivable.objects.filter(merchant=request.merchant, customer=case.customer_id,
                                            currency=case.currency, status="open")  # fmt: skip
    return render(request, "cases/detail.html", {
        "case": case, "events": events, "disputes": case.disputes.select_related("receivable"),
        "receivables": receivables, "error": error, **timeline,
    })  # fmt: skip


def _who(request: HttpRequest) -> str:
    return request.user.get_full_name() or request.user.get_username()


@merchant_view(role=Role.COLLECTOR)
def case_dispute_open(request: HttpRequest, case_id: int) -> HttpResponse:
    """POST: record what the customer disputes; collection pauses until it is resolved."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        case = case_get(merchant=request.merchant, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404 from None
    receivable = None
    if request.POST.get("receivable"):
        receivable = Receivable.objects.filter(
            merchant=request.merchant, pk=request.POST["receivable"]
        ).first()
    try:
        dispute_open(case=case, reason_text=request.POST.get("reason", ""), by=_who(request), receivable=receivable,
                     source=request.POST.get("source") or "collector")  # fmt: skip
    except FieldError as exc:
        return _detail(request, case_id, error=f"{exc.field}: {exc.reason}")
    messages.success(request, _("Dispute recorded: collection is paused until it is resolved."))
    return redirect("cases:detail", case_id=case.pk)


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def case_dispute_resolve(request: HttpRequest, case_id: int, dispute_id: int) -> HttpResponse:
    """POST: uphold (credit) or reject a dispute; the strategy resumes when none is left open."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    dispute = Dispute.objects.filter(merchant=request.merchant, case_id=case_id, pk=dispute_id).first()
    if dispute is None:
        raise Http404
    credit = None
    text = (request.POST.get("credit") or "").strip()
    try:
        if text:
            try:
                credit = Money.from_decimal(text, dispute.case.currency)
            except (ValueError, ArithmeticError):
                raise FieldError(
                    "credit", _("must be an amount in %(c)s") % {"c": dispute.case.currency}
                ) from None
        dispute_resolve(dispute=dispute, outcome=request.POST.get("outcome", ""), by=_who(request),
                        note=request.POST.get("note", ""), credit=credit)  # fmt: skip
    except FieldError as exc:
        return _detail(request, case_id, error=f"{exc.field}: {exc.reason}")
    messages.success(request, _("Dispute resolved."))
    return redirect("cases:detail", case_id=case_id)


@merchant_view(role=Role.VIEWER, write_role=Role.MANAGER)
def strategy_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/strategies.html", {"strategies": strategy_list(merchant=request.merchant)})


def _draft_steps(request: HttpRequest, data) -> list:
    """The draft step list of a request: the advanced JSON field if sent, else the table's rows."""
    if "steps" in data:
        try:
            return json.loads(data.get("steps", ""))
        except json.JSONDecodeError as exc:
            raise FieldError("steps", _("not valid JSON: %(err)s") % {"err": exc}) from None
    return steps_from_rows(data, currency=request.merchant.default_currency)


def _preview_for(request: HttpRequest, data, customer_id: str, terms_days: int) -> dict:
    """Validate the draft steps and run them forward for the chosen customer (nothing is saved)."""
    try:
        steps = steps_validate(_draft_steps(request, data), terms_days=terms_days)
    except FieldError as exc:
        return {"error": f"{exc.field}: {exc.reason}"}
    customer = (
        Customer.objects.filter(merchant=request.merchant, pk=int(customer_id)).first()
        if customer_id.isdigit()
        else None
    )
    if customer is None:
        return {"error": _("Choose a customer to preview the timeline.")}
    now = clock.now()
    recs = tuple(
        ReceivableFact(rid, number, amount, balance, due)
        for rid, number, amount, balance, due in Receivable.objects.filter(
            merchant=request.merchant, customer=customer, status="open", balance_minor__gt=0
        ).values_list("id", "number", "amount_minor", "balance_minor", "due_date")
    ) or (ReceivableFact(0, _("example"), 10000, 10000, (now + timedelta(days=7)).date()),)
    balance = sum(r.balance_minor for r in recs)
    segment = segment_for(CustomerFacts(customer.kind, customer.orders_count, 0, balance))
    code = jurisdiction_for(customer.country, customer.region, customer.city)
    channels = {CHANNEL_OF_KIND.get(k, k) for k in customer.contact_points.filter(disabled_at__isnull=True)
                .values_list("kind", flat=True)} | {"portal"}  # fmt: skip
    opted = set(
        customer.contact_preferences.filter(opted_out_at__isnull=False).values_list("channel", flat=True)
    )
    snapshot = CaseSnapshot(
        case_id=0, currency=request.merchant.default_currency, debtor_kind=customer.kind, country=customer.country,
        timezone=customer.timezone, locale=customer.locale, jurisdiction=code, segment=segment, steps=steps,
        step_index=0, receivables=recs, channels_available=frozenset(channels), opted_out=frozenset(opted),
    )  # fmt: skip
    decisions = preview(snapshot, now, TickContext.load().rules_for(code))
    rows = []
    for d in decisions:
        for m in d.messages:
            rows.append({"at": m.not_before, "what": f"{m.channel} · {m.template_key} · {m.tone}", "step": d.step_key,
                         "reasons": _reasons([r.as_json() for r in d.reasons])})  # fmt: skip
        for t in d.tasks:
            rows.append({"at": t.due_at, "what": _("task: %(kind)s") % {"kind": t.kind}, "step": d.step_key,
                         "reasons": _reasons([r.as_json() for r in d.reasons])})  # fmt: skip
        for c in d.charges:
            rows.append({"at": None, "what": f"{c.kind} {c.amount_minor}", "step": d.step_key,
                         "reasons": _reasons([r.as_json() for r in d.reasons])})  # fmt: skip
    return {"rows": rows, "customer": customer, "jurisdiction": code, "segment": segment}


@merchant_view(role=Role.VIEWER, write_role=Role.MANAGER)
def strategy_preview(request: HttpRequest) -> HttpResponse:
    """HTMX partial (GET: it writes nothing): the timeline the draft steps would produce for a customer."""
    try:
        terms = int(request.GET.get("terms_days") or 30)
    except ValueError:
        terms = 30
    ctx = _preview_for(request, request.GET, request.GET.get("customer", ""), terms)
    return render(request, "cases/_preview.html", ctx)


@merchant_view(role=Role.VIEWER, write_role=Role.MANAGER)
def strategy_edit_page(request: HttpRequest, strategy_id: int | None = None) -> HttpResponse:
    strategy = None
    if strategy_id is not None:
        try:
            strategy = strategy_get(merchant=request.merchant, strategy_id=strategy_id)
        except Strategy.DoesNotExist:
            raise Http404 from None
    currency = request.merchant.default_currency
    stored = strategy.current_version.steps if strategy and strategy.current_version else []
    steps_text = json.dumps(stored, indent=2, ensure_ascii=False)
    rows = rows_from_steps(stored, currency=currency, blank=1 if stored else 3)
    error = None
    if request.method == "POST":
        if "steps" in request.POST:  # the advanced JSON form
            steps_text = request.POST.get("steps", "")
        else:
            rows = rows_echo(request.POST)
        if "add_row" in request.POST:  # "Add a step" shows one more row and saves nothing
            rows += rows_from_steps([], currency=currency)
        else:
            try:
                steps = _draft_steps(request, request.POST)
                version = strategy_save(merchant=request.merchant, strategy=strategy, steps=steps, at=clock.now(),
                                        name=request.POST.get("name", ""), note=request.POST.get("note", ""))  # fmt: skip
            except FieldError as exc:
                error = f"{exc.field}: {exc.reason}"
            else:
                messages.success(request, _("Saved as version %(n)s; running cases keep their version.")
                                 % {"n": version.number})  # fmt: skip
                return redirect("cases:strategy-edit", strategy_id=version.strategy_id)
    customers = Customer.objects.filter(merchant=request.merchant).order_by("name")[:200]
    return render(request, "cases/strategy_edit.html", {
        "strategy": strategy, "steps_text": steps_text, "error": error, "customers": customers, "rows": rows,
        "actions": ACTIONS, "channels": CHANNELS, "tones": TONES, "templates": sorted(TEMPLATE_KEYS),
        "segments": SEGMENTS, "currency": currency, "name": request.POST.get("name", "") if request.method == "POST"
        else (strategy.name if strategy else ""),
    })  # fmt: skip
