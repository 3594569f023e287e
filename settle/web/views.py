"""Shell views: who you are and which merchant you work for. Pages of each domain live in their app."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from settle.web.access import merchant_switch, merchant_view


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
    return render(request, "web/dashboard.html", {})
