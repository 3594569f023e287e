"""Who may see which page: every merchant-app view goes through `merchant_view`.

The current merchant is the membership chosen in the session (a user may work for several merchants).
Views read `request.merchant` and pass it to selectors, so every query is scoped. Reads need `role`;
writes (POST/PUT/PATCH/DELETE) need `write_role`, so a viewer can never change anything.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from settle.merchants.models import Membership, Merchant, Role

SESSION_KEY = "settle_merchant_id"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def current_membership(request: HttpRequest) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_settle_membership", None)
    if cached is not None:
        return cached
    memberships = (
        Membership.objects.select_related("merchant").filter(user=request.user).order_by("merchant_id")
    )
    chosen = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if m.merchant_id == chosen), None) or memberships.first()
    request._settle_membership = membership
    return membership


def current_merchant(request: HttpRequest) -> Merchant | None:
    membership = current_membership(request)
    return membership.merchant if membership else None


def merchant_switch(request: HttpRequest, merchant_id: int) -> bool:
    """Choose another of the user's merchants; False (and no change) if the user has no membership there."""
    if not Membership.objects.filter(user=request.user, merchant_id=merchant_id).exists():
        return False
    request.session[SESSION_KEY] = merchant_id
    request._settle_membership = None
    return True


def merchant_view(role: str = Role.VIEWER, write_role: str = Role.COLLECTOR):
    """Decorate a view: login required, a membership with `role` (reads) or `write_role` (writes)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = current_membership(request)
            if membership is None:
                raise PermissionDenied("you are not a member of any merchant")
            needed = write_role if request.method in WRITE_METHODS else role
            if not membership.allows(needed):
                raise PermissionDenied(f"this page needs the {needed} role")
            request.membership = membership
            request.merchant = membership.merchant
            return view(request, *args, **kwargs)

        wrapper.settle_roles = (role, write_role)
        return wrapper

    return decorate
