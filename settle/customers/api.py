"""REST API v1: customers and their contact points. Thin: parse, check role, call services/selectors."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from settle.api import merchant_of, require_role
from settle.apikit.pagination import Page, PageParams, paginate
from settle.apikit.schemas import Id, InputSchema
from settle.core import clock
from settle.merchants.models import Role

from . import selectors, services

router = Router(tags=["customers"])

Kind = Literal["consumer", "business"]
Channel = Literal["", "email", "phone", "webhook", "postal"]
ContactKind = Literal["email", "phone", "webhook", "postal"]


class CustomerOut(Schema):
    id: int = Field(..., examples=[42])
    source: str = Field(..., examples=["api"])
    external_id: str = Field(..., examples=["c-1042"])
    kind: str = Field(..., examples=["consumer"])
    name: str = Field(..., examples=["Alicja Nowak"])
    company_name: str
    tax_id: str
    country: str = Field(..., examples=["PL"])
    region: str
    city: str = Field(..., examples=["Warszawa"])
    timezone: str = Field(..., examples=["Europe/Warsaw"])
    locale: str = Field(..., examples=["pl"])
    preferred_channel: str
    orders_count: int
    created_at: datetime
    updated_at: datetime


class CustomerIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200, examples=["Alicja Nowak"])
    kind: Kind = Field("consumer", examples=["consumer"])
    external_id: str = Field(
        "", max_length=100, examples=["c-1042"], description="Your id; unique per merchant."
    )
    company_name: str = Field("", max_length=200)
    tax_id: str = Field("", max_length=50)
    country: str = Field("", max_length=2, examples=["PL"], description="ISO 3166-1 alpha-2.")
    region: str = Field("", max_length=10, description="ISO 3166-2 subdivision code, e.g. NY.")
    city: str = Field("", max_length=100, examples=["Warszawa"])
    timezone: str = Field(
        "", max_length=64, examples=["Europe/Warsaw"], description="IANA zone; defaults from the country."
    )
    locale: str = Field("en", max_length=10, examples=["pl"], description="en, pl, ru or de.")
    preferred_channel: Channel = ""
    orders_count: int = Field(0, ge=0, le=1_000_000)
    email: str = Field("", max_length=254, examples=["alicja@example.pl"], description="Primary email.")
    phone: str = Field("", max_length=40, examples=["+48 601 234 567"], description="Primary phone.")


class CustomerPatch(InputSchema):
    """Only the fields sent are changed."""

    name: str = Field(None, min_length=1, max_length=200, examples=["Alicja Nowak-Kowalska"])
    kind: Kind = Field(None)
    external_id: str = Field(None, max_length=100)
    company_name: str = Field(None, max_length=200)
    tax_id: str = Field(None, max_length=50)
    country: str = Field(None, max_length=2, examples=["PL"])
    region: str = Field(None, max_length=10)
    city: str = Field(None, max_length=100, examples=["Kraków"])
    timezone: str = Field(None, max_length=64, examples=["Europe/Warsaw"])
    locale: str = Field(None, max_length=10)
    preferred_channel: Channel = Field(None)
    orders_count: int = Field(None, ge=0, le=1_000_000)


class CustomerFilters(PageParams):
    search: str = Field(
        "", max_length=200, description="Part of the name or company, or an exact external id."
    )
    country: str = Field("", max_length=2)
    kind: Kind | Literal[""] = ""
    has_balance: bool | None = Field(None, description="true: owes something open; false: owes nothing.")


class ContactPointOut(Schema):
    id: int
    customer_id: int
    kind: str = Field(..., examples=["email"])
    value: str = Field(..., examples=["alicja@example.pl"])
    label: str
    is_primary: bool
    verified: bool
    disabled_at: datetime | None
    last_error: str
    created_at: datetime


class ContactPointIn(InputSchema):
    kind: ContactKind = Field(..., examples=["phone"])
    value: str = Field(..., min_length=1, max_length=500, examples=["+48 601 234 567"])
    is_primary: bool = False
    label: str = Field("", max_length=50, examples=["mobile"])


class ContactPointDisableIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=500, examples=["customer asked not to be called here"])


@router.get("/", response=Page(CustomerOut), summary="List customers")
def customer_list(request, filters: Query[CustomerFilters]):
    qs = selectors.customer_list(
        merchant=merchant_of(request), search=filters.search, country=filters.country, kind=filters.kind,
        has_balance=filters.has_balance,
    )  # fmt: skip
    return paginate(request, qs, ordering=("name", "id"), params=filters)


@router.post("/", response={201: CustomerOut}, summary="Create a customer")
def customer_create(request, payload: CustomerIn):
    require_role(request, Role.COLLECTOR)
    customer = services.customer_create(merchant=merchant_of(request), **payload.dict())
    return Status(201, customer)


@router.get("/{customer_id}", response=CustomerOut, summary="Get a customer")
def customer_get(request, customer_id: Id):
    return selectors.customer_get(merchant=merchant_of(request), customer_id=customer_id)


@router.patch("/{customer_id}", response=CustomerOut, summary="Change some of a customer's facts")
def customer_update(request, customer_id: Id, payload: CustomerPatch):
    require_role(request, Role.COLLECTOR)
    customer = selectors.customer_get(merchant=merchant_of(request), customer_id=customer_id)
    return services.customer_update(customer=customer, **payload.dict(exclude_unset=True))


@router.get("/{customer_id}/contact-points", response=Page(ContactPointOut), summary="List contact points")
def contact_point_list(request, customer_id: Id, page: Query[PageParams]):
    merchant = merchant_of(request)
    customer = selectors.customer_get(merchant=merchant, customer_id=customer_id)
    qs = selectors.contact_point_list(merchant=merchant, customer_id=customer.pk)
    return paginate(request, qs, ordering=("id",), params=page)


@router.post("/{customer_id}/contact-points", response={201: ContactPointOut}, summary="Add a contact point")
def contact_point_add(request, customer_id: Id, payload: ContactPointIn):
    require_role(request, Role.COLLECTOR)
    customer = selectors.customer_get(merchant=merchant_of(request), customer_id=customer_id)
    return Status(201, services.contact_point_add(customer=customer, **payload.dict()))


@router.post(
    "/{customer_id}/contact-points/{contact_point_id}/disable",
    response=ContactPointOut,
    summary="Stop using a contact point (it stays on record)",
)
def contact_point_disable(request, customer_id: Id, contact_point_id: Id, payload: ContactPointDisableIn):
    require_role(request, Role.COLLECTOR)
    point = selectors.contact_point_get(
        merchant=merchant_of(request), customer_id=customer_id, contact_point_id=contact_point_id
    )
    services.contact_point_disable(point=point, reason=payload.reason, at=clock.now())
    point.refresh_from_db()
    return point
