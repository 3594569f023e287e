"""REST API v1: receivables, payments, refunds and each customer's ledger.

Amounts travel as integer minor units plus an ISO 4217 currency (12345 + "PLN" = 123.45 zł), never as
floats. Creating and correcting debt needs a manager key; recording payments a collector key.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from settle.api import merchant_of, require_role
from settle.apikit.pagination import Page, PageParams, paginate
from settle.apikit.schemas import MAX_MINOR, Id, InputSchema
from settle.core import clock
from settle.core.money import Money, UnknownCurrency, validate_currency
from settle.customers.models import Customer
from settle.customers.selectors import customer_get
from settle.customers.validation import FieldError
from settle.merchants.models import Merchant, Role

from . import selectors, services
from .models import Receivable, ReceivableStatus

router = Router()
receivables = Router(tags=["receivables"])
payments = Router(tags=["payments"])
ledger = Router(tags=["ledger"])

StatusName = Literal["open", "paid", "cancelled", "written_off"]


# --- schemas -------------------------------------------------------------------------------------------
class CurrencyInput(InputSchema):
    @field_validator("currency", mode="after", check_fields=False)
    @classmethod
    def _currency(cls, value):
        if value is None or value == "":
            return value
        try:
            return validate_currency(value)
        except UnknownCurrency as exc:
            raise ValueError(str(exc)) from None


class ReceivableOut(Schema):
    id: int = Field(..., examples=[7])
    customer_id: int = Field(..., examples=[42])
    source: str = Field(..., examples=["api"])
    external_id: str = Field(..., examples=["INV-2026-0042"])
    number: str = Field(..., examples=["INV-2026-0042"])
    currency: str = Field(..., examples=["PLN"])
    amount_minor: int = Field(..., examples=[12345], description="Original amount in minor units.")
    balance_minor: int = Field(..., examples=[2345], description="What is still owed, in minor units.")
    issued_at: datetime
    due_date: date
    terms: str
    description: str
    status: str = Field(..., examples=["open"])
    closed_at: datetime | None
    created_at: datetime


class ReceivableIn(CurrencyInput):
    customer_id: Id = Field(..., examples=[42])
    external_id: str = Field(..., min_length=1, max_length=100, examples=["INV-2026-0042"],
                             description="Your id for the order or invoice; unique per merchant.")  # fmt: skip
    amount_minor: int = Field(..., gt=0, le=MAX_MINOR, examples=[12345])
    currency: str = Field(..., min_length=3, max_length=3, examples=["PLN"])
    due_date: date = Field(..., examples=["2026-12-15"])
    issued_at: datetime | None = Field(None, examples=["2026-11-15T10:00:00Z"], description="Default: now.")
    number: str = Field("", max_length=100, examples=["2026/11/42"])
    terms: str = Field("", max_length=50, examples=["net_30"])
    description: str = Field("", max_length=500, examples=["Tent, 2 sleeping bags"])


class ReceivableFilters(PageParams):
    status: StatusName | Literal[""] = ""
    customer_id: Id | None = None
    currency: str = Field("", max_length=3, examples=["PLN"])
    overdue: bool | None = Field(None, description="true: open and past due in the merchant's time zone.")
    due_from: date | None = Field(None, description="Due on or after this day.")
    due_to: date | None = Field(None, description="Due on or before this day.")


class AdjustIn(InputSchema):
    amount_minor: int = Field(..., ge=-MAX_MINOR, le=MAX_MINOR, examples=[-500],
                              description="Signed: positive raises the balance, negative lowers it.")  # fmt: skip
    memo: str = Field(..., min_length=1, max_length=300, examples=["shipping was charged twice"])

    @field_validator("amount_minor")
    @classmethod
    def _not_zero(cls, value):
        if value == 0:
            raise ValueError("must not be zero")
        return value


class MemoIn(InputSchema):
    memo: str = Field("", max_length=300, examples=["order cancelled by the shop"])


class CreditNoteIn(InputSchema):
    amount_minor: int | None = Field(None, gt=0, le=MAX_MINOR, examples=[1000],
                                     description="Omit to credit the whole open balance.")  # fmt: skip
    memo: str = Field("", max_length=300, examples=["one item returned"])


class AllocationOut(Schema):
    receivable_id: int = Field(..., examples=[7])
    amount_minor: int = Field(..., examples=[10000])


class PaymentOut(Schema):
    id: int = Field(..., examples=[3])
    customer_id: int
    source: str
    external_id: str = Field(..., examples=["pay-8841"])
    currency: str = Field(..., examples=["PLN"])
    amount_minor: int = Field(..., examples=[12000])
    unallocated_minor: int = Field(..., description="Held as the customer's credit.")
    refunded_minor: int
    method: str
    received_at: datetime
    created_at: datetime
    allocations: list[AllocationOut] = Field(..., description="Where the money sits now, per receivable.")


class PaymentIn(CurrencyInput):
    customer_id: Id = Field(..., examples=[42])
    external_id: str = Field(..., min_length=1, max_length=100, examples=["pay-8841"],
                             description="Your id for the payment; recording it twice is harmless.")  # fmt: skip
    amount_minor: int = Field(..., gt=0, le=MAX_MINOR, examples=[12000])
    currency: str = Field(..., min_length=3, max_length=3, examples=["PLN"])
    received_at: datetime | None = Field(None, examples=["2026-12-01T09:00:00Z"], description="Default: now.")
    method: str = Field("", max_length=50, examples=["bank_transfer"])
    receivable_id: Id | None = Field(
        None, description="Pay this receivable first; the rest by allocation order."
    )


class PaymentFilters(PageParams):
    customer_id: Id | None = None
    currency: str = Field("", max_length=3)


class EntryOut(Schema):
    id: int
    kind: str = Field(..., examples=["payment"])
    currency: str = Field(..., examples=["PLN"])
    amount_minor: int = Field(..., examples=[-10000], description="Positive raises what is owed.")
    receivable_id: int | None
    payment_id: int | None
    effective_at: datetime
    memo: str
    source_ref: str
    created_at: datetime


class RefundIn(InputSchema):
    amount_minor: int = Field(..., gt=0, le=MAX_MINOR, examples=[2000])
    memo: str = Field("", max_length=300, examples=["goods returned"])


class RefundOut(Schema):
    payment: PaymentOut
    entries: list[EntryOut] = Field(..., description="Credit returned and receivables reopened.")


class BalanceOut(Schema):
    currency: str = Field(..., examples=["PLN"])
    owed_minor: int = Field(..., examples=[2345])
    credit_minor: int = Field(..., examples=[0])
    net_minor: int = Field(..., examples=[2345])


class CustomerLedgerOut(Schema):
    customer_id: int
    balances: list[BalanceOut]
    items: list[EntryOut]
    next: str | None = None
    next_cursor: str | None = None


class LedgerFilters(PageParams):
    currency: str = Field("", max_length=3)


# --- helpers -------------------------------------------------------------------------------------------
@contextmanager
def _as_api_fields():
    """Services name `amount`; the API's field is `amount_minor`. Report the name the caller sent."""
    try:
        yield
    except services.LedgerError as exc:
        if exc.field == "amount":
            exc.field = "amount_minor"
            exc.args = (f"amount_minor: {exc.reason}",)
        raise


def _customer_for_body(merchant: Merchant, customer_id: int) -> Customer:
    # An id in the body that is not ours is bad input (422 naming the field), not a missing URL (404).
    try:
        return customer_get(merchant=merchant, customer_id=customer_id)
    except Customer.DoesNotExist:
        raise FieldError("customer_id", "no such customer") from None


def _still_open_to_corrections(receivable: Receivable) -> None:
    if receivable.status in (ReceivableStatus.CANCELLED, ReceivableStatus.WRITTEN_OFF):
        raise services.LedgerError("receivable_id", f"is {receivable.status} and takes no more corrections")


def _with_allocations(merchant: Merchant, payment_list):
    found = selectors.payment_allocations(merchant=merchant, payment_ids=[p.pk for p in payment_list])
    for payment in payment_list:
        payment.allocations = [{"receivable_id": r, "amount_minor": m} for r, m in found.get(payment.pk, [])]
    return payment_list


def _today(merchant: Merchant) -> date:
    return clock.now().astimezone(ZoneInfo(merchant.timezone)).date()


# --- receivables ---------------------------------------------------------------------------------------
@receivables.get("/", response=Page(ReceivableOut), summary="List receivables")
def receivable_list(request, filters: Query[ReceivableFilters]):
    merchant = merchant_of(request)
    qs = selectors.receivable_list(
        merchant=merchant, customer_id=filters.customer_id, status=filters.status, currency=filters.currency,
        overdue_on=_today(merchant) if filters.overdue else None, due_from=filters.due_from,
        due_to=filters.due_to,
    )  # fmt: skip
    if filters.overdue is False:
        qs = qs.exclude(status=ReceivableStatus.OPEN, due_date__lt=_today(merchant))
    return paginate(request, qs, ordering=("due_date", "id"), params=filters)


@receivables.post("/", response={201: ReceivableOut}, summary="Record what a customer owes")
def receivable_create(request, payload: ReceivableIn):
    require_role(request, Role.MANAGER)
    merchant = merchant_of(request)
    customer = _customer_for_body(merchant, payload.customer_id)
    with _as_api_fields():
        receivable = services.receivable_create(
            merchant=merchant, customer=customer, external_id=payload.external_id,
            amount=Money(payload.amount_minor, payload.currency), due_date=payload.due_date,
            issued_at=payload.issued_at, number=payload.number, terms=payload.terms,
            description=payload.description,
        )  # fmt: skip
    return Status(201, receivable)


@receivables.get("/{receivable_id}", response=ReceivableOut, summary="Get a receivable")
def receivable_get(request, receivable_id: Id):
    return selectors.receivable_get(merchant=merchant_of(request), receivable_id=receivable_id)


@receivables.post("/{receivable_id}/adjust", response=ReceivableOut, summary="Correct a receivable's amount")
def receivable_adjust(request, receivable_id: Id, payload: AdjustIn):
    require_role(request, Role.MANAGER)
    receivable = selectors.receivable_get(merchant=merchant_of(request), receivable_id=receivable_id)
    _still_open_to_corrections(receivable)
    with _as_api_fields():
        services.receivable_adjust(
            receivable=receivable, amount=Money(payload.amount_minor, receivable.currency), at=clock.now(),
            memo=payload.memo,
        )  # fmt: skip
    receivable.refresh_from_db()
    return receivable


@receivables.post(
    "/{receivable_id}/cancel", response=ReceivableOut, summary="Cancel (the order was cancelled)"
)
def receivable_cancel(request, receivable_id: Id, payload: MemoIn):
    require_role(request, Role.MANAGER)
    receivable = selectors.receivable_get(merchant=merchant_of(request), receivable_id=receivable_id)
    services.receivable_cancel(receivable=receivable, memo=payload.memo or "order cancelled")
    return receivable


@receivables.post("/{receivable_id}/write-off", response=ReceivableOut, summary="Write off the open balance")
def receivable_write_off(request, receivable_id: Id, payload: MemoIn):
    require_role(request, Role.MANAGER)
    receivable = selectors.receivable_get(merchant=merchant_of(request), receivable_id=receivable_id)
    services.write_off_record(receivable=receivable, memo=payload.memo)
    return receivable


@receivables.post(
    "/{receivable_id}/credit-notes",
    response={201: ReceivableOut},
    summary="Issue a credit note (reduce the debt)",
)
def receivable_credit_note(request, receivable_id: Id, payload: CreditNoteIn):
    require_role(request, Role.MANAGER)
    receivable = selectors.receivable_get(merchant=merchant_of(request), receivable_id=receivable_id)
    amount = Money(payload.amount_minor, receivable.currency) if payload.amount_minor is not None else None
    with _as_api_fields():
        services.credit_note_record(receivable=receivable, amount=amount, memo=payload.memo)
    return Status(201, receivable)


# --- payments and refunds ------------------------------------------------------------------------------
@payments.get("/", response=Page(PaymentOut), summary="List payments with their allocations")
def payment_list(request, filters: Query[PaymentFilters]):
    merchant = merchant_of(request)
    qs = selectors.payment_list(merchant=merchant, customer_id=filters.customer_id, currency=filters.currency)
    page = paginate(request, qs, ordering=("-received_at", "-id"), params=filters)
    page["items"] = _with_allocations(merchant, page["items"])
    return page


@payments.post("/", response={200: PaymentOut, 201: PaymentOut}, summary="Record a payment and allocate it")
def payment_create(request, payload: PaymentIn):
    """201 when recorded; 200 when this external id was recorded before with the same amount (a no-op)."""
    require_role(request, Role.COLLECTOR)
    merchant = merchant_of(request)
    customer = _customer_for_body(merchant, payload.customer_id)
    receivable = None
    if payload.receivable_id is not None:
        try:
            receivable = selectors.receivable_get(merchant=merchant, receivable_id=payload.receivable_id)
        except Receivable.DoesNotExist:
            raise FieldError("receivable_id", "no such receivable") from None
    with _as_api_fields():
        payment, created = services.payment_record(
            merchant=merchant, customer=customer, amount=Money(payload.amount_minor, payload.currency),
            external_id=payload.external_id, received_at=payload.received_at, method=payload.method,
            receivable=receivable,
        )  # fmt: skip
    return Status(201 if created else 200, _with_allocations(merchant, [payment])[0])


@payments.get("/{payment_id}", response=PaymentOut, summary="Get a payment with its allocations")
def payment_get(request, payment_id: Id):
    merchant = merchant_of(request)
    return _with_allocations(merchant, [selectors.payment_get(merchant=merchant, payment_id=payment_id)])[0]


@payments.post("/{payment_id}/refunds", response={201: RefundOut}, summary="Refund (part of) a payment")
def refund_create(request, payment_id: Id, payload: RefundIn):
    require_role(request, Role.MANAGER)
    merchant = merchant_of(request)
    payment = selectors.payment_get(merchant=merchant, payment_id=payment_id)
    with _as_api_fields():
        entries = services.refund_record(
            payment=payment, amount=Money(payload.amount_minor, payment.currency), memo=payload.memo
        )
    return Status(201, {"payment": _with_allocations(merchant, [payment])[0], "entries": entries})


@payments.get("/{payment_id}/refunds", response=Page(EntryOut), summary="List a payment's refund entries")
def refund_list(request, payment_id: Id, page: Query[PageParams]):
    merchant = merchant_of(request)
    payment = selectors.payment_get(merchant=merchant, payment_id=payment_id)
    qs = selectors.refund_entries(merchant=merchant, payment_id=payment.pk)
    return paginate(request, qs, ordering=("effective_at", "id"), params=page)


# --- ledger per customer -------------------------------------------------------------------------------
@ledger.get("/{customer_id}/ledger", response=CustomerLedgerOut, summary="A customer's ledger and balances")
def customer_ledger(request, customer_id: Id, filters: Query[LedgerFilters]):
    merchant = merchant_of(request)
    customer = customer_get(merchant=merchant, customer_id=customer_id)
    qs = selectors.ledger_for_customer(merchant=merchant, customer_id=customer.pk, currency=filters.currency)
    page = paginate(request, qs, ordering=("effective_at", "id"), params=filters)
    balances = [
        {"currency": b.currency, "owed_minor": b.owed.minor, "credit_minor": b.credit.minor,
         "net_minor": b.net.minor}
        for b in selectors.customer_balances(merchant=merchant, customer_id=customer.pk)
        if not filters.currency or b.currency == filters.currency.upper()
    ]  # fmt: skip
    return {"customer_id": customer.pk, "balances": balances, **page}


router.add_router("/receivables", receivables)
router.add_router("/payments", payments)
router.add_router("/customers", ledger)
