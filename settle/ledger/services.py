"""Writes to the ledger. Every balance change goes through here, in one transaction, as new entries.

Sign convention: a positive entry increases what the customer owes (charge, fee, interest, refund of money
they had paid); a negative one decreases it (payment, credit note, write-off). Entries without a receivable
carry the customer's credit: an overpayment waiting for the next receivable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from settle.core import clock
from settle.core.money import Money
from settle.customers.models import Customer
from settle.merchants.models import AllocationOrder, Merchant

from .models import EntryKind, LedgerEntry, Payment, Receivable, ReceivableStatus, Source


class LedgerError(ValueError):
    """A ledger operation that cannot be done as asked; `field` names the input at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DuplicateExternalId(LedgerError):
    pass


def _require_customer(merchant: Merchant, customer: Customer) -> None:
    if customer.merchant_id != merchant.pk:
        # Same wording as a missing customer: another tenant's ids must reveal nothing.
        raise LedgerError("customer_id", "no such customer")


def _require_positive(amount: Money, field: str = "amount") -> None:
    if not isinstance(amount, Money):
        raise LedgerError(field, "must be Money")
    if amount.minor <= 0:
        raise LedgerError(field, "must be greater than zero")


def _entry(receivable: Receivable | None, customer: Customer, kind: str, amount: Money, at: datetime, **kw):
    return LedgerEntry(
        merchant_id=customer.merchant_id,
        customer=customer,
        receivable=receivable,
        kind=kind,
        currency=amount.currency,
        amount_minor=amount.minor,
        effective_at=at,
        **kw,
    )


def _apply_to_receivable(receivable: Receivable, delta_minor: int, at: datetime) -> None:
    """Move the cached balance by `delta_minor` and derive status from it."""
    receivable.balance_minor += delta_minor
    if receivable.balance_minor <= 0 and receivable.status == ReceivableStatus.OPEN:
        receivable.status = ReceivableStatus.PAID
        receivable.closed_at = at
    elif receivable.balance_minor > 0 and receivable.status == ReceivableStatus.PAID:
        receivable.status = ReceivableStatus.OPEN
        receivable.closed_at = None
    Receivable.objects.filter(pk=receivable.pk).update(
        balance_minor=F("balance_minor") + delta_minor,
        status=receivable.status,
        closed_at=receivable.closed_at,
    )


def _balance_changed(customer: Customer, currency: str, at: datetime) -> None:
    """Tell the case this customer's balance moved: cleared → closed (queued messages cancelled), else re-check."""
    from settle.cases.services import case_balance_changed

    case_balance_changed(customer=customer, currency=currency, at=at)


# --- receivables ---------------------------------------------------------------------------------------
def receivable_create(
    *,
    merchant: Merchant,
    customer: Customer,
    external_id: str,
    amount: Money,
    due_date: date,
    issued_at: datetime | None = None,
    source: str = Source.API,
    number: str = "",
    terms: str = "",
    description: str = "",
    source_ref: str = "",
) -> Receivable:
    """Record what a customer owes, with its charge entry; existing customer credit pays it at once.

    Raises DuplicateExternalId when (merchant, source, external_id) exists: use `receivable_upsert` to sync.
    """
    _require_customer(merchant, customer)
    issued_at = issued_at or clock.now()
    receivable_check(external_id=external_id, amount=amount, due_date=due_date, issued_at=issued_at)
    try:
        with transaction.atomic():
            receivable = Receivable.objects.create(
                merchant=merchant,
                customer=customer,
                source=source,
                external_id=external_id,
                number=number or external_id,
                currency=amount.currency,
                amount_minor=amount.minor,
                balance_minor=amount.minor,
                issued_at=issued_at,
                due_date=due_date,
                terms=terms,
                description=description,
            )
            _entry(receivable, customer, EntryKind.CHARGE, amount, issued_at, source_ref=source_ref).save()
            _apply_credit(customer=customer, currency=amount.currency, at=issued_at)
            _balance_changed(customer, amount.currency, issued_at)
    except IntegrityError as exc:
        if Receivable.objects.filter(merchant=merchant, source=source, external_id=external_id).exists():
            raise DuplicateExternalId(
                "external_id", f"a receivable {external_id!r} from {source} exists"
            ) from exc
        raise
    receivable.refresh_from_db()
    return receivable


def receivable_check(*, external_id: str, amount: Money, due_date: date, issued_at: datetime) -> None:
    """The rules a new receivable's own fields must meet (LedgerError naming the field); shared by
    `receivable_create` and callers that validate rows before `bulk.receivables_bulk_create`."""
    _require_positive(amount)
    if not external_id:
        raise LedgerError("external_id", "must not be empty")
    if due_date < issued_at.date() and (issued_at.date() - due_date).days > 366 * 20:
        raise LedgerError("due_date", "is implausibly far before the issue date")


def receivable_upsert(
    *, merchant: Merchant, customer: Customer, external_id: str, amount: Money, due_date: date, **fields
) -> tuple[Receivable, bool]:
    """Create, or bring an existing receivable in line with its source without rewriting history.

    A changed amount becomes an adjustment entry for the difference; a changed due date is updated (it is a
    term, not money). Returns (receivable, created).
    """
    source = fields.get("source", Source.API)
    existing = Receivable.objects.filter(merchant=merchant, source=source, external_id=external_id).first()
    if existing is None:
        try:
            return receivable_create(
                merchant=merchant, customer=customer, external_id=external_id, amount=amount, due_date=due_date,
                **fields,
            ), True  # fmt: skip
        except DuplicateExternalId:
            existing = Receivable.objects.get(merchant=merchant, source=source, external_id=external_id)
    if existing.customer_id != customer.pk:
        raise LedgerError("customer_id", f"receivable {external_id!r} belongs to another customer")
    if existing.currency != amount.currency:
        raise LedgerError("currency", f"receivable {external_id!r} is in {existing.currency}")
    at = fields.get("issued_at") or clock.now()
    with transaction.atomic():
        locked = Receivable.objects.select_for_update().get(pk=existing.pk)
        if locked.amount_minor != amount.minor:
            receivable_adjust(
                receivable=locked, amount=Money(amount.minor - locked.amount_minor, amount.currency), at=at,
                memo="amount changed at source", source_ref=fields.get("source_ref", ""),
            )  # fmt: skip
            Receivable.objects.filter(pk=locked.pk).update(amount_minor=amount.minor)
        if locked.due_date != due_date:
            Receivable.objects.filter(pk=locked.pk).update(due_date=due_date)
            _balance_changed(customer, locked.currency, at)
    existing.refresh_from_db()
    return existing, False


def receivable_adjust(
    *, receivable: Receivable, amount: Money, at: datetime, memo: str, source_ref: str = ""
):
    """A signed correction on one receivable (positive raises the balance)."""
    if amount.currency != receivable.currency:
        raise LedgerError("currency", f"must be {receivable.currency}")
    if amount.minor == 0:
        return None
    with transaction.atomic():
        entry = _entry(receivable, receivable.customer, EntryKind.ADJUSTMENT, amount, at, memo=memo,
                       source_ref=source_ref)  # fmt: skip
        entry.save()
        _apply_to_receivable(receivable, amount.minor, at)
        if amount.minor < 0 and receivable.balance_minor < 0:
            _move_overpayment_to_credit(receivable, at)
        _apply_credit(customer=receivable.customer, currency=receivable.currency, at=at)
        _balance_changed(receivable.customer, receivable.currency, at)
    return entry


def _reduce(receivable: Receivable, kind: str, amount: Money | None, at: datetime, memo: str, final_status: str,
            source_ref: str) -> LedgerEntry:  # fmt: skip
    with transaction.atomic():
        locked = Receivable.objects.select_for_update().get(pk=receivable.pk)
        if locked.balance_minor <= 0:
            raise LedgerError("receivable_id", "has no open balance")
        value = amount.minor if amount is not None else locked.balance_minor
        if amount is not None and amount.currency != locked.currency:
            raise LedgerError("currency", f"must be {locked.currency}")
        if value <= 0:
            raise LedgerError("amount", "must be greater than zero")
        if value > locked.balance_minor:
            raise LedgerError("amount", f"exceeds the open balance {locked.balance}")
        entry = _entry(locked, locked.customer, kind, Money(-value, locked.currency), at, memo=memo,
                       source_ref=source_ref)  # fmt: skip
        entry.save()
        _apply_to_receivable(locked, -value, at)
        if locked.balance_minor == 0 and final_status != ReceivableStatus.PAID:
            Receivable.objects.filter(pk=locked.pk).update(status=final_status, closed_at=at)
        _balance_changed(locked.customer, locked.currency, at)
    receivable.refresh_from_db()
    return entry


def credit_note_record(*, receivable: Receivable, amount: Money | None = None, at: datetime | None = None,
                       memo: str = "", source_ref: str = "") -> LedgerEntry:  # fmt: skip
    """Reduce what is owed (goods returned, price corrected); without amount, the whole open balance."""
    return _reduce(receivable, EntryKind.CREDIT_NOTE, amount, at or clock.now(), memo, ReceivableStatus.PAID,
                   source_ref)  # fmt: skip


def receivable_cancel(*, receivable: Receivable, at: datetime | None = None, memo: str = "order cancelled",
                      source_ref: str = "") -> LedgerEntry:  # fmt: skip
    """The order was cancelled at the source: credit its open balance and close it as cancelled."""
    return _reduce(receivable, EntryKind.CREDIT_NOTE, None, at or clock.now(), memo, ReceivableStatus.CANCELLED,
                   source_ref)  # fmt: skip


def write_off_record(*, receivable: Receivable, at: datetime | None = None, memo: str = "",
                     source_ref: str = "") -> LedgerEntry:  # fmt: skip
    """Give up the open balance (a manager's decision); the debt history stays."""
    return _reduce(receivable, EntryKind.WRITE_OFF, None, at or clock.now(), memo, ReceivableStatus.WRITTEN_OFF,
                   source_ref)  # fmt: skip


def charge_add(*, receivable: Receivable, kind: str, amount: Money, at: datetime | None = None, memo: str = "",
               source_ref: str = "") -> LedgerEntry:  # fmt: skip
    """Add a fee or interest to a receivable; only the engine's money rules decide when this is lawful."""
    if kind not in (EntryKind.FEE, EntryKind.INTEREST):
        raise LedgerError("kind", "must be fee or interest")
    _require_positive(amount)
    if amount.currency != receivable.currency:
        raise LedgerError("currency", f"must be {receivable.currency}")
    at = at or clock.now()
    with transaction.atomic():
        locked = Receivable.objects.select_for_update().get(pk=receivable.pk)
        entry = _entry(locked, locked.customer, kind, amount, at, memo=memo, source_ref=source_ref)
        entry.save()
        _apply_to_receivable(locked, amount.minor, at)
        _balance_changed(locked.customer, locked.currency, at)
    receivable.refresh_from_db()
    return entry


# --- payments ------------------------------------------------------------------------------------------
def _open_receivables(customer: Customer, currency: str, order: str):
    qs = Receivable.objects.select_for_update().filter(
        customer=customer, currency=currency, status=ReceivableStatus.OPEN, balance_minor__gt=0
    )
    if order == AllocationOrder.NEWEST_DUE_FIRST:
        return qs.order_by("-due_date", "-id")
    return qs.order_by("due_date", "id")


def _allocate(payment: Payment, available: int, at: datetime, target: Receivable | None) -> int:
    """Allocate up to `available` of the payment to open receivables; return what is left."""
    customer = payment.customer
    receivables = list(_open_receivables(customer, payment.currency, customer.merchant.allocation_order))
    if target is not None:
        receivables.sort(key=lambda r: r.pk != target.pk)
    entries = []
    for receivable in receivables:
        if available <= 0:
            break
        take = min(available, receivable.balance_minor)
        entries.append(
            _entry(
                receivable, customer, EntryKind.PAYMENT, Money(-take, payment.currency), at, payment=payment
            )
        )
        _apply_to_receivable(receivable, -take, at)
        available -= take
    LedgerEntry.objects.bulk_create(entries)
    return available


def _apply_credit(*, customer: Customer, currency: str, at: datetime) -> None:
    """Use the customer's credit (oldest unallocated payments first) on their open receivables."""
    payments = list(
        Payment.objects.select_for_update()
        .filter(customer=customer, currency=currency, unallocated_minor__gt=0)
        .order_by("received_at", "id")
    )
    for payment in payments:
        before = payment.unallocated_minor
        left = _allocate(payment, before, at, target=None)
        used = before - left
        if used == 0:
            break
        # Credit leaves the customer-level bucket as it reaches receivables.
        _entry(None, customer, EntryKind.PAYMENT, Money(used, currency), at, payment=payment,
               memo="credit applied").save()  # fmt: skip
        Payment.objects.filter(pk=payment.pk).update(unallocated_minor=left)


def _move_overpayment_to_credit(receivable: Receivable, at: datetime) -> None:
    """A receivable reduced below zero hands the excess back as customer credit on the latest payment."""
    excess = -receivable.balance_minor
    payment = (
        Payment.objects.filter(entries__receivable=receivable)
        .order_by("-received_at", "-id")
        .distinct()
        .first()
    )
    if payment is None:
        return
    customer = receivable.customer
    _entry(receivable, customer, EntryKind.ADJUSTMENT, Money(excess, receivable.currency), at, payment=payment,
           memo="overpayment moved to credit").save()  # fmt: skip
    _entry(None, customer, EntryKind.ADJUSTMENT, Money(-excess, receivable.currency), at, payment=payment,
           memo="overpayment moved to credit").save()  # fmt: skip
    _apply_to_receivable(receivable, excess, at)
    Payment.objects.filter(pk=payment.pk).update(unallocated_minor=F("unallocated_minor") + excess)


def payment_record(
    *,
    merchant: Merchant,
    customer: Customer,
    amount: Money,
    external_id: str,
    received_at: datetime | None = None,
    source: str = Source.API,
    method: str = "",
    receivable: Receivable | None = None,
) -> tuple[Payment, bool]:
    """Record money received and allocate it by the merchant's order (a named receivable first).

    Idempotent on (merchant, source, external_id): a repeated call returns the stored payment and False; the
    same id with another amount or customer raises. What no receivable takes stays as customer credit.
    """
    _require_customer(merchant, customer)
    _require_positive(amount)
    if not external_id:
        raise LedgerError("external_id", "must not be empty")
    if receivable is not None and (
        receivable.customer_id != customer.pk or receivable.currency != amount.currency
    ):
        raise LedgerError(
            "receivable_id", "must be an open receivable of this customer in the payment's currency"
        )
    received_at = received_at or clock.now()
    existing = Payment.objects.filter(merchant=merchant, source=source, external_id=external_id).first()
    if existing is not None:
        return _same_payment(existing, customer, amount), False
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                merchant=merchant, customer=customer, source=source, external_id=external_id,
                currency=amount.currency, amount_minor=amount.minor, method=method, received_at=received_at,
            )  # fmt: skip
            left = _allocate(payment, amount.minor, received_at, target=receivable)
            if left:
                _entry(None, customer, EntryKind.PAYMENT, Money(-left, amount.currency), received_at,
                       payment=payment, memo="held as customer credit").save()  # fmt: skip
                Payment.objects.filter(pk=payment.pk).update(unallocated_minor=left)
            _balance_changed(customer, amount.currency, received_at)
    except IntegrityError:
        existing = Payment.objects.get(merchant=merchant, source=source, external_id=external_id)
        return _same_payment(existing, customer, amount), False
    payment.refresh_from_db()
    return payment, True


def _same_payment(existing: Payment, customer: Customer, amount: Money) -> Payment:
    if existing.customer_id != customer.pk or existing.amount != amount:
        raise DuplicateExternalId("external_id", "a different payment with this external id exists")
    return existing


def refund_record(*, payment: Payment, amount: Money, at: datetime | None = None, memo: str = "",
                  source_ref: str = "") -> list[LedgerEntry]:  # fmt: skip
    """Money returned to the customer: first from their unused credit, then by undoing the payment's newest
    allocations, which reopens those receivables."""
    _require_positive(amount)
    if amount.currency != payment.currency:
        raise LedgerError("currency", f"must be {payment.currency}")
    at = at or clock.now()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        refundable = locked.amount_minor - locked.refunded_minor
        if amount.minor > refundable:
            raise LedgerError(
                "amount", f"exceeds what can be refunded ({Money(refundable, locked.currency)})"
            )
        customer = locked.customer
        remaining = amount.minor
        entries = []
        from_credit = min(remaining, locked.unallocated_minor)
        if from_credit:
            entries.append(_entry(None, customer, EntryKind.REFUND, Money(from_credit, locked.currency), at,
                                  payment=locked, memo=memo, source_ref=source_ref))  # fmt: skip
            remaining -= from_credit
        if remaining:
            allocated = (
                LedgerEntry.objects.filter(payment=locked, receivable__isnull=False)
                .values("receivable_id")
                .annotate(net=Sum("amount_minor"))
            )
            by_id = {row["receivable_id"]: -row["net"] for row in allocated if row["net"] < 0}
            receivables = (
                Receivable.objects.select_for_update().filter(pk__in=by_id).order_by("-due_date", "-id")
            )
            for receivable in receivables:
                if not remaining:
                    break
                undo = min(remaining, by_id[receivable.pk])
                entries.append(_entry(receivable, customer, EntryKind.REFUND, Money(undo, locked.currency), at,
                                      payment=locked, memo=memo, source_ref=source_ref))  # fmt: skip
                _apply_to_receivable(receivable, undo, at)
                remaining -= undo
        LedgerEntry.objects.bulk_create(entries)
        Payment.objects.filter(pk=locked.pk).update(
            refunded_minor=F("refunded_minor") + amount.minor,
            unallocated_minor=F("unallocated_minor") - from_credit,
        )
        _balance_changed(customer, locked.currency, at)
    payment.refresh_from_db()
    return entries


# --- verification --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerMismatch:
    receivable_id: int
    cached_minor: int
    entries_minor: int


def ledger_verify(*, merchant: Merchant) -> list[LedgerMismatch]:
    """Compare every cached receivable balance with the sum of its entries; empty means consistent."""
    sums = dict(
        LedgerEntry.objects.filter(merchant=merchant, receivable__isnull=False)
        .values_list("receivable_id")
        .annotate(total=Sum("amount_minor"))
    )
    mismatches = []
    for pk, cached in Receivable.objects.filter(merchant=merchant).values_list("pk", "balance_minor"):
        if sums.get(pk, 0) != cached:
            mismatches.append(LedgerMismatch(pk, cached, sums.get(pk, 0)))
    return mismatches
