"""The collectors' queue and the outcome form of each task (HTMX: the form swaps itself, then its row)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from settle.core.money import InexactAmount, Money, UnknownCurrency
from settle.customers.validation import FieldError
from settle.merchants.models import Role
from settle.web.access import merchant_view

from .forms import OutcomeForm
from .models import Outcome, Task
from .selectors import task_get, task_queue
from .services import needs_manager, task_complete


@merchant_view(role=Role.COLLECTOR)
def queue(request: HttpRequest) -> HttpResponse:
    """The collectors' queue: calls, reviews and approvals the engine handed to people, each with its form."""
    rows = [{"task": t, "form": OutcomeForm(task=t)} for t in task_queue(merchant=request.merchant)]
    return render(request, "workdesk/queue.html", {"rows": rows})


def _record(request: HttpRequest, task: Task, form: OutcomeForm) -> Task | None:
    """Validate and write; errors land on the form's fields. Returns the closed task, or None."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if needs_manager(data["outcome"]) and not request.membership.allows(Role.MANAGER):
        raise PermissionDenied("approving or declining an agency handoff needs the manager role")
    amount = None
    try:
        if data["outcome"] == Outcome.PROMISE and data["promise_amount"] is not None:
            currency = task.case.currency if task.case_id else request.merchant.default_currency
            amount = Money.from_decimal(data["promise_amount"], currency)
        return task_complete(task=task, outcome=data["outcome"], note=data["note"], by=request.user,
                             promise_amount=amount, promised_for=data["promised_for"])  # fmt: skip
    except (InexactAmount, UnknownCurrency):
        form.add_error("promise_amount", _("Too many decimal places for this currency."))
    except FieldError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.reason)
    return None


@merchant_view(role=Role.COLLECTOR)
def task_outcome(request: HttpRequest, task_id: int) -> HttpResponse:
    """GET: the form (an HTMX request re-renders it for the chosen outcome, showing the promise fields for a
    promise to pay). POST: record the outcome; HTMX swaps the task's row for what was recorded."""
    try:
        task = task_get(merchant=request.merchant, task_id=task_id)
    except Task.DoesNotExist:
        raise Http404 from None
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "POST":
        form = OutcomeForm(request.POST, task=task)
        done = _record(request, task, form) if task.status == Task.Status.OPEN else None
        if task.status != Task.Status.OPEN:
            form.add_error(None, _("This task is already closed."))
        if done is not None:
            if htmx:  # replace the whole row: the task has left the queue
                response = render(request, "workdesk/_done.html", {"task": done})
                response["HX-Retarget"], response["HX-Reswap"] = f"#task-{done.pk}", "outerHTML"
                return response
            messages.success(request, _("Recorded: %(outcome)s.") % {"outcome": done.get_outcome_display()})
            return redirect("workdesk:queue")
    else:
        fields = ("outcome", "note", "promise_amount", "promised_for")
        form = OutcomeForm(task=task, initial={k: request.GET[k] for k in fields if k in request.GET})
    context = {"task": task, "form": form}
    if htmx:
        return render(request, "workdesk/_form.html", context)
    return render(request, "workdesk/task.html", context)
