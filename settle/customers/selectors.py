"""Reads for customers; every function takes the merchant, so one tenant never sees another's rows."""

from django.db.models import QuerySet

from settle.merchants.models import Merchant

from .models import ContactPoint, Customer


def customer_list(*, merchant: Merchant, search: str = "", country: str = "", kind: str = "") -> QuerySet:
    qs = Customer.objects.filter(merchant=merchant)
    if search:
        qs = qs.filter(name__icontains=search)
    if country:
        qs = qs.filter(country=country.upper())
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def customer_get(*, merchant: Merchant, customer_id: int) -> Customer:
    """Raises Customer.DoesNotExist for another merchant's id, exactly as for a missing one."""
    return Customer.objects.get(merchant=merchant, pk=customer_id)


def contact_point_list(*, merchant: Merchant, customer_id: int) -> QuerySet:
    return ContactPoint.objects.filter(merchant=merchant, customer_id=customer_id)
