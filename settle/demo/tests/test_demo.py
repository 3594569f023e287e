"""The demo data: big enough, shaped like real histories, reproducible, and equal to what the services write."""

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Q

from settle.demo.generate import demo_digest, demo_load
from settle.ledger.models import LedgerEntry, Payment, Receivable
from settle.ledger.selectors import aging_summary
from settle.ledger.services import ledger_verify


def test_same_seed_same_data_and_the_bulk_path_equals_the_services(frozen_clock, db):
    bulk = demo_load(seed=7, customers=25, slug="bulk", logins=False)
    services = demo_load(seed=7, customers=25, slug="services", logins=False, bulk=False)
    other = demo_load(seed=8, customers=25, slug="other", logins=False)
    assert bulk.digest == services.digest == demo_digest(services.merchant)
    assert other.digest != bulk.digest
    assert ledger_verify(merchant=bulk.merchant) == [] and ledger_verify(merchant=services.merchant) == []
    for model in (Receivable, Payment):  # same statuses and closing times, not only the digested columns
        rows = [
            sorted(model.objects.filter(merchant=r.merchant).values_list("external_id", *(
                ("status", "closed_at") if model is Receivable else ("unallocated_minor",))))
            for r in (bulk, services)
        ]  # fmt: skip
        assert rows[0] == rows[1]


@pytest.mark.slow
def test_full_demo_has_the_promised_size_and_shapes(frozen_clock, db):
    result = demo_load(seed=1)
    merchant = result.merchant
    assert merchant.name == "Acme Outdoor"
    assert result.customers >= 500 and result.receivables >= 2000
    now = frozen_clock.now()
    receivables = Receivable.objects.filter(merchant=merchant)
    assert receivables.order_by("issued_at").first().issued_at >= now - timedelta(days=549)
    countries = Counter(merchant.customers.values_list("country", flat=True))
    assert set(countries) == {"PL", "DE", "GB", "US", "RU", "UA"}
    assert set(receivables.values_list("currency", flat=True)) == {"PLN", "EUR", "GBP", "USD", "RUB", "UAH"}
    assert merchant.customers.filter(country="US", region="CO", timezone="America/Denver").exists()
    assert merchant.customers.filter(
        contact_points__kind="phone", contact_points__value__startswith="+48"
    ).exists()
    assert {"net_30", "net_60"} <= set(
        receivables.filter(customer__kind="business").values_list("terms", flat=True)
    )
    assert receivables.filter(description__startswith="Disputed:").count() >= 3
    assert LedgerEntry.objects.filter(merchant=merchant, kind="credit_note").exists()
    split = receivables.annotate(n=Count("entries", filter=Q(entries__kind="payment"))).filter(n__gte=2)
    assert split.count() >= 10  # partial payments
    # Loyal customers late exactly once: customers with ≥3 orders of which exactly one was paid after its due date.
    late_once = 0
    for customer in merchant.customers.filter(kind="consumer", orders_count__gte=3)[:200]:
        late = [
            r for r in customer.receivables.filter(status="paid")
            if r.closed_at.date() > r.due_date
        ]  # fmt: skip
        late_once += len(late) == 1 and customer.receivables.filter(status="paid").count() >= 3
    assert late_once >= 30
    [pln] = [row for row in aging_summary(merchant=merchant, today=now.date()) if row.currency == "PLN"]
    assert all(amount.minor > 0 for amount in pln.buckets.values()), pln.buckets
    assert ledger_verify(merchant=merchant) == []
    # The case history the ledger implies: one open case per customer × currency that owes, closed ones before.
    from settle.cases.models import Case, Dispute
    from settle.ledger.models import Receivable as R

    owing = set(
        R.objects.filter(merchant=merchant, balance_minor__gt=0).values_list("customer_id", "currency")
    )
    open_cases = Case.objects.filter(merchant=merchant, closed_at__isnull=True)
    assert set(open_cases.values_list("customer_id", "currency")) == owing
    assert not open_cases.filter(next_check_at__isnull=True).exists()
    year = now - timedelta(days=365)
    late = Counter(Case.objects.filter(merchant=merchant, opened_at__gte=year, overdue_since__isnull=False)
                   .values_list("customer_id", flat=True))  # fmt: skip
    assert sum(1 for n in late.values() if n >= 2) >= 20  # habitual late payers: the "repeat late" segment
    assert sum(1 for n in late.values() if n == 1) >= 30  # late once: "loyal, first late"
    assert Dispute.objects.filter(merchant=merchant, status="open").exists()
    assert Dispute.objects.filter(merchant=merchant, status="upheld", credited_minor__gt=0).exists()
    assert open_cases.filter(disputed_since__isnull=False).count() == Dispute.objects.filter(
        merchant=merchant, status="open").values("case").distinct().count()  # fmt: skip
    from settle.plans.models import Plan

    assert Plan.objects.filter(merchant=merchant, status="active").count() >= 3
    assert authenticate(username="demo", password="settle-demo").memberships.get().role == "owner"
    assert authenticate(username="demo-viewer", password="settle-demo").memberships.get().role == "viewer"


def test_command_loads_once_with_if_empty(frozen_clock, db, capsys):
    call_command("demo", "--seed", "3", "--customers", "20", "--if-empty")
    assert "20 customers" in capsys.readouterr().out
    call_command("demo", "--seed", "3", "--if-empty")
    assert "already has data" in capsys.readouterr().out
