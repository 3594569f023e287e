from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from settle.merchants.models import Role
from settle.web.access import merchant_view

from .selectors import task_queue


@merchant_view(role=Role.COLLECTOR)
def queue(request: HttpRequest) -> HttpResponse:
    """The collectors' queue: calls, reviews and approvals the engine handed to people."""
    return render(request, "workdesk/queue.html", {"tasks": task_queue(merchant=request.merchant)})
