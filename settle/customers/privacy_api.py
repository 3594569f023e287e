"""API for data-subject rights: `GET /customers/{id}/export`, `POST /customers/{id}/erase` (manager+)."""

from ninja import Router

from settle.api import merchant_of, require_role
from settle.merchants.models import Role

from .privacy import customer_erase, customer_export
from .selectors import customer_get

router = Router(tags=["privacy"])


@router.get("/{customer_id}/export")
def export(request, customer_id: int):
    """Everything Settle holds about the customer (GDPR Art. 15)."""
    require_role(request, Role.MANAGER)
    return customer_export(customer=customer_get(merchant=merchant_of(request), customer_id=customer_id))


@router.post("/{customer_id}/erase")
def erase(request, customer_id: int):
    """Erase personal data, keep the anonymised ledger (GDPR Art. 17)."""
    require_role(request, Role.MANAGER)
    customer = customer_erase(customer=customer_get(merchant=merchant_of(request), customer_id=customer_id))
    return {"customer_id": customer.pk, "erased_at": customer.erased_at.isoformat()}
