"""Reads for tenants and memberships."""

from .models import Membership, Merchant


def membership_list_for_user(*, user) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("merchant").order_by("merchant__name"))


def membership_get(*, user, merchant: Merchant) -> Membership | None:
    return Membership.objects.filter(user=user, merchant=merchant).first()
