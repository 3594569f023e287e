"""The upload page: managers upload, everyone with access watches progress and reads the bad-row report."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from settle.customers.validation import FieldError
from settle.merchants.models import Role
from settle.web.access import merchant_view

from .columns import COLUMN_SETS
from .forms import UploadForm
from .models import ImportJob
from .selectors import import_job_get, import_job_list
from .services import import_job_create


def _job_or_404(request, job_id: int) -> ImportJob:
    try:
        return import_job_get(merchant=request.merchant, job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404("no such import") from None


@merchant_view(role=Role.VIEWER, write_role=Role.MANAGER)
def index(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                merchant=request.merchant, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                user=request.user,
            )  # fmt: skip
        except FieldError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.reason)
        else:
            messages.success(request, _("The file is queued for import."))
            return redirect("imports:detail", job_id=job.pk)
    context = {
        "form": form,
        "jobs": import_job_list(merchant=request.merchant),
        "column_sets": COLUMN_SETS.values(),
        "can_upload": request.membership.allows(Role.MANAGER),
    }
    return render(request, "imports/index.html", context, status=400 if form.errors else 200)


@merchant_view(role=Role.VIEWER)
def detail(request, job_id: int):
    job = _job_or_404(request, job_id)
    page = Paginator(job.row_errors.order_by("id"), 100).get_page(request.GET.get("page"))
    return render(request, "imports/detail.html", {"job": job, "errors": page})


@merchant_view(role=Role.VIEWER)
def progress(request, job_id: int):
    """The HTMX-polled fragment; once the job is finished it stops asking to be polled."""
    return render(request, "imports/_progress.html", {"job": _job_or_404(request, job_id)})
