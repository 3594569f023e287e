"""Reads over the ledger; every function takes the merchant."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When

from settle.core.money import Money
from settle.merchants.models import Merchant

from .models import LedgerEntry, Payment, Receivable, ReceivableStatus

AGING_BUCKETS = ("current", "1_30", "31_60", "61_90", "90_plus")


def receivable_list(
    *,
    merchant: Merchant,
    customer_id: int | None = None,
    status: str = "",
    currency: str = "",
    overdue_on: date | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> QuerySet:
    """Receivables of the merchant; `overdue_on` keeps open ones due before that day, `due_from`/`due_to`
    bound the due date (both inclusive)."""
    qs = Receivable.objects.filter(merchant=merchant)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    if currency:
        qs = qs.filter(currency=currency.upper())
    if overdue_on is not None:
        qs = qs.filter(status=ReceivableStatus.OPEN, due_date__lt=overdue_on)
    if due_from is not None:
        qs = qs.filter(due_date__gte=due_from)
    if due_to is not None:
        qs = qs.filter(due_date__lte=due_to)
    return qs


def receivable_get(*, merchant: Merchant, receivable_id: int) -> Receivable:
    return Receivable.objects.select_related("customer").get(merchant=merchant, pk=receivable_id)


def payment_list(*, merchant: Merchant, customer_id: int | None = None, currency: str = "") -> QuerySet:
    qs = Payment.objects.filter(merchant=merchant)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if currency:
        qs = qs.filter(currency=currency.upper())
    return qs


def payment_allocations(*, merchant: Merchant, payment_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Where each payment's money sits now: {payment_id: [(receivable_id, minor), ...]}, in one query.

    Net of refunds and of overpayment moved back to credit, so it always matches the receivables' balances.
    """
    rows = (
        LedgerEntry.objects.filter(merchant=merchant, payment_id__in=payment_ids, receivable__isnull=False)
        .values_list("payment_id", "receivable_id")
        .annotate(net=Sum("amount_minor"))
        .order_by("payment_id", "receivable_id")
    )
    result: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for payment_id, receivable_id, net in rows:
        if net:
            result[payment_id].append((receivable_id, -net))
    return result


def refund_entries(*, merchant: Merchant, payment_id: int) -> QuerySet:
    """The refund entries of one payment (one per receivable reopened, one for credit returned)."""
    from .models import EntryKind

    return LedgerEntry.objects.filter(merchant=merchant, payment_id=payment_id, kind=EntryKind.REFUND)


def payment_get(*, merchant: Merchant, payment_id: int) -> Payment:
    return Payment.objects.select_related("customer").get(merchant=merchant, pk=payment_id)


def ledger_for_customer(*, merchant: Merchant, customer_id: int, currency: str = "") -> QuerySet:
    """The customer's timeline: every entry, oldest first, with its receivable."""
    qs = LedgerEntry.objects.filter(merchant=merchant, customer_id=customer_id)
    if currency:
        qs = qs.filter(currency=currency.upper())
    return qs.select_related("receivable").order_by("effective_at", "id")


@dataclass(frozen=True)
class CustomerBalance:
    currency: str
    owed: Money
    credit: Money

    @property
    def net(self) -> Money:
        return self.owed - self.credit


def customer_balances(*, merchant: Merchant, customer_id: int) -> list[CustomerBalance]:
    """Open balance and unused credit per currency."""
    owed = dict(
        Receivable.objects.filter(merchant=merchant, customer_id=customer_id, status=ReceivableStatus.OPEN)
        .values_list("currency")
        .annotate(total=Sum("balance_minor"))
    )
    credit = dict(
        Payment.objects.filter(merchant=merchant, customer_id=customer_id, unallocated_minor__gt=0)
        .values_list("currency")
        .annotate(total=Sum("unallocated_minor"))
    )
    return [
        CustomerBalance(c, Money(owed.get(c, 0), c), Money(credit.get(c, 0), c))
        for c in sorted(set(owed) | set(credit))
    ]


@dataclass
class AgingRow:
    currency: str
    outstanding: Money
    overdue: Money
    buckets: dict[str, Money] = field(default_factory=dict)
    receivables: int = 0


def aging_summary(*, merchant: Merchant, today: date) -> list[AgingRow]:
    """Outstanding and overdue totals per currency, split into aging buckets by days past due.

    One grouped query: the bucket is computed in SQL from the due date, so cost does not grow with Python
    work per receivable.
    """
    from datetime import timedelta

    bucket = Case(
        When(due_date__gte=today, then=Value(0)),
        When(due_date__gte=today - timedelta(days=30), then=Value(1)),
        When(due_date__gte=today - timedelta(days=60), then=Value(2)),
        When(due_date__gte=today - timedelta(days=90), then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    rows = (
        Receivable.objects.filter(merchant=merchant, status=ReceivableStatus.OPEN, balance_minor__gt=0)
        .annotate(bucket=bucket)
        .values("currency", "bucket")
        .annotate(total=Sum("balance_minor"), count=Sum(Value(1)))
        .order_by()
    )
    by_currency: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        by_currency[row["currency"]][row["bucket"]] = (row["total"], row["count"])
    result = []
    for currency in sorted(by_currency):
        data = by_currency[currency]
        buckets = {name: Money(data.get(i, (0, 0))[0], currency) for i, name in enumerate(AGING_BUCKETS)}
        outstanding = sum((m.minor for m in buckets.values()), 0)
        result.append(
            AgingRow(
                currency=currency,
                outstanding=Money(outstanding, currency),
                overdue=Money(outstanding - buckets["current"].minor, currency),
                buckets=buckets,
                receivables=sum(count for _, count in data.values()),
            )
        )
    return result


def open_balances_by_customer(*, merchant: Merchant, customer_ids: list[int]) -> dict[int, list[Money]]:
    """Open balance per currency for a page of customers, in one grouped query (customer lists)."""
    rows = (
        Receivable.objects.filter(
            merchant=merchant, customer_id__in=customer_ids, status=ReceivableStatus.OPEN, balance_minor__gt=0
        )
        .values_list("customer_id", "currency")
        .annotate(total=Sum("balance_minor"))
        .order_by("customer_id", "currency")
    )
    result: dict[int, list[Money]] = defaultdict(list)
    for customer_id, currency, total in rows:
        result[customer_id].append(Money(total, currency))
    return dict(result)
