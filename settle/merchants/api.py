"""REST API v1: the caller's own merchant settings. Reading needs a viewer key; changing them a manager's."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from settle.api import merchant_of, require_role
from settle.apikit.schemas import InputSchema

from .models import Role
from .services import merchant_settings_update

router = Router(tags=["merchant"])


class MerchantOut(Schema):
    id: int
    name: str = Field(..., examples=["Acme Outdoor"])
    slug: str = Field(..., examples=["acme"])
    default_currency: str = Field(..., examples=["PLN"])
    country: str = Field(..., examples=["PL"])
    timezone: str = Field(..., examples=["Europe/Warsaw"])
    locales: list[str] = Field(..., examples=[["pl", "en"]])
    allocation_order: str = Field(..., examples=["oldest_due_first"])
    brand_name: str
    brand_color: str = Field(..., examples=["#2f6f4f"])
    sender_name: str
    support_email: str
    legal_name: str
    legal_address: str


class MerchantPatch(InputSchema):
    """Only the fields sent are changed."""

    name: str = Field(None, min_length=1, max_length=200, examples=["Acme Outdoor"])
    default_currency: str = Field(None, min_length=3, max_length=3, examples=["PLN"])
    country: str = Field(None, min_length=2, max_length=2, examples=["PL"])
    timezone: str = Field(None, max_length=64, examples=["Europe/Warsaw"])
    locales: list[str] = Field(None, max_length=10, examples=[["pl", "en"]])
    allocation_order: Literal["oldest_due_first", "newest_due_first"] = Field(None)
    brand_name: str = Field(None, max_length=200)
    brand_color: str = Field(None, max_length=7, examples=["#2f6f4f"])
    sender_name: str = Field(None, max_length=200)
    support_email: str = Field(None, max_length=254, examples=["help@acme.example"])
    legal_name: str = Field(None, max_length=200)
    legal_address: str = Field(None, max_length=1000)


@router.get("/", response=MerchantOut, summary="The API key's merchant and its settings")
def merchant_get(request):
    return merchant_of(request)


@router.patch("/", response=MerchantOut, summary="Change merchant settings (manager or owner)")
def merchant_update(request, payload: MerchantPatch):
    require_role(request, Role.MANAGER)
    return merchant_settings_update(merchant=merchant_of(request), **payload.dict(exclude_unset=True))
