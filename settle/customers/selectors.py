"""Reads for customers; every function takes the merchant, so one tenant never sees another's rows."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from settle.merchants.models import Merchant

from .models import ContactPoint, Customer


def customer_list(
    *,
    merchant: Merchant,
    search: str = "",
    country: str = "",
    kind: str = "",
    has_balance: bool | None = None,
) -> QuerySet:
    """Customers of the merchant; `search` matches name, company or external id; `has_balance` keeps those
    who do (or do not) owe anything open."""
    qs = Customer.objects.filter(merchant=merchant)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(company_name__icontains=search) | Q(external_id=search))
    if has_balance is not None:
        from settle.ledger.models import Receivable, ReceivableStatus

        owing = Receivable.objects.filter(
            merchant=merchant, customer=OuterRef("pk"), status=ReceivableStatus.OPEN, balance_minor__gt=0
        )
        qs = qs.filter(Exists(owing)) if has_balance else qs.exclude(Exists(owing))
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


def contact_point_get(*, merchant: Merchant, customer_id: int, contact_point_id: int) -> ContactPoint:
    """Raises ContactPoint.DoesNotExist for another merchant's (or another customer's) point."""
    return ContactPoint.objects.get(merchant=merchant, customer_id=customer_id, pk=contact_point_id)
