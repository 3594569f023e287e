"""The plan page of a case: its plans and schedules, and a form to agree an even plan or cancel one."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from settle.cases.models import Case
from settle.cases.selectors import case_get
from settle.core import clock
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.merchants.models import Role
from settle.web.access import merchant_view

from .models import Plan
from .services import owed_minor, plan_cancel, plan_create, schedule_even


def _who(request: HttpRequest) -> str:
    return request.user.get_full_name() or request.user.get_username()


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FieldError(field, _("must be a whole number")) from None


@merchant_view(role=Role.VIEWER, write_role=Role.COLLECTOR)
def case_plans(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET: the case's plans. POST: agree an even plan for what the case owes now."""
    try:
        case = case_get(merchant=request.merchant, case_id=case_id)
    except Case.DoesNotExist:
        raise Http404 from None
    error = ""
    form = {"count": "3", "first_due": (clock.now().date() + timedelta(days=7)).isoformat(), "every_days": "30",
            "grace_days": "3"}  # fmt: skip
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("count", "first_due", "every_days", "grace_days")}
        try:
            try:
                first_due = date.fromisoformat(form["first_due"])
            except ValueError:
                raise FieldError("first_due", _("must be a date (YYYY-MM-DD)")) from None
            schedule = schedule_even(total=Money(owed_minor(case), case.currency),
                                     count=_int(form["count"], "count"), first_due=first_due,
                                     every_days=_int(form["every_days"], "every_days"))  # fmt: skip
            plan_create(case=case, schedule=schedule, by=_who(request), source=request.POST.get("source") or "collector",
                        grace_days=_int(form["grace_days"], "grace_days"))  # fmt: skip
        except FieldError as exc:
            error = f"{exc.field}: {exc.reason}"
        else:
            messages.success(request, _("Plan agreed: escalation waits while it is kept."))
            return redirect("plans:case", case_id=case.pk)
    plans = case.plans.prefetch_related("installments")
    return render(request, "plans/case.html", {
        "case": case, "plans": plans, "owed": Money(owed_minor(case), case.currency), "error": error, "form": form,
    })  # fmt: skip


@merchant_view(role=Role.MANAGER, write_role=Role.MANAGER)
def plan_cancel_view(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    """POST: cancel an active plan by agreement; the strategy resumes now."""
    plan = Plan.objects.filter(merchant=request.merchant, case_id=case_id, pk=plan_id).first()
    if plan is None:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        plan_cancel(plan=plan, by=_who(request), note=request.POST.get("note", ""))
    except FieldError as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
    else:
        messages.success(request, _("Plan cancelled: the strategy resumes."))
    return redirect("plans:case", case_id=case_id)
