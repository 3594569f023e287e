"""Batch processing: runs of new orders are written set-based with the outcome of the one-by-one path."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settle.cases.models import Case
from settle.core import clock
from settle.core.money import Money
from settle.customers.models import ContactPoint, Customer
from settle.integrations.models import EventStatus, InboundEvent, SyncedObject, WriteBack
from settle.integrations.services import event_replay, events_process
from settle.ledger.models import LedgerEntry, Receivable

from .conftest import Hooks, fixture, shopify_order, woo_order

V1, V2 = "2026-11-20T10:00:00-05:00", "2026-11-21T10:00:00-05:00"


def order(n: int, customer: int, details: dict | None = None, **changes) -> dict:
    base = shopify_order()
    data = {
        **base["customer"],
        "id": 7000 + customer,
        "email": f"buyer{customer}@example.com",
        **(details or {}),
    }
    return shopify_order(id=9000 + n, name=f"#B{n}", customer=data, **changes)


def deliver_scenario(hooks: Hooks, merchant) -> None:
    """Every kind of event a run meets or must leave to the one-by-one path, in one batch."""
    from settle.customers.services import customer_create
    from settle.ledger.services import payment_record

    # Before the batch: a customer Settle knows (other email), one with credit, and an order it knows.
    hooks.shopify("orders/create", order(1, customer=3, details={"email": "old@example.com"}))
    events_process(now=clock.now())
    five = customer_create(merchant=merchant, name="Five", source="shopify", external_id="7005", country="US")
    payment_record(merchant=merchant, customer=five, amount=Money(1000, "USD"), external_id="over-1",
                   received_at=clock.now(), source="api")  # fmt: skip
    refund = fixture("shopify-refunds-create-webhook.json")
    refund.update(order_id=9012, transactions=refund["transactions"][:1])
    terms = fixture("shopify-payment_terms-create-webhook.json")
    for topic, payload in [
        ("orders/create", order(10, customer=1)),
        ("orders/create", order(11, customer=1)),  # same customer, same details: one run
        ("refunds/create", refund),  # held until order 12 arrives
        (
            "orders/create",
            order(12, customer=2, details={"phone": "not a phone", "email": "nope"}, customer_locale="xx"),
        ),
        ("orders/create", order(13, customer=3)),  # known customer, new email: a contact added
        (
            "orders/updated",
            order(10, customer=1, updated_at=V2, financial_status="paid", total_outstanding="0"),
        ),
        ("orders/create", order(14, customer=1, payment_gateway_names=["Klarna"])),  # skipped
        ("orders/create", order(15, customer=4, currency="XXQ")),  # failed, naming the field
        ("orders/create", order(16, customer=4, total_outstanding="100.00")),  # partly paid
        ("orders/create", order(17, customer=4, payment_terms=terms)),  # terms: one by one
        (
            "orders/create",
            order(1, customer=3, details={"email": "old@example.com"}),
        ),  # known order, same version
        ("orders/create", order(18, customer=5)),  # customer with credit
        ("orders/create", order(19, customer=6, cancelled_at=V1)),  # cancelled before Settle saw it
        (
            "orders/create",
            order(20, customer=1, details={"email": "second@example.com"}),
        ),  # other details: new run
        ("orders/create", order(21, customer=7)),
        ("orders/create", order(21, customer=7)),  # the same order twice in a run: split
    ]:
        hooks.shopify(topic, payload)


def _rows(rows) -> list:
    return sorted(rows, key=repr)  # rows may hold None next to text


def snapshot(merchant) -> dict:
    events = list(InboundEvent.objects.filter(merchant=merchant).order_by("id"))
    index = {f"event:{e.pk}": f"event#{n}" for n, e in enumerate(events)}
    return {
        "events": [(e.topic, e.status, e.outcome, e.error_field, e.held_for, e.attempts) for e in events],
        "receivables": _rows(
            Receivable.objects.filter(merchant=merchant).values_list(
                "external_id",
                "customer__external_id",
                "currency",
                "amount_minor",
                "balance_minor",
                "status",
                "due_date",
                "number",
                "terms",
                "description",
                "source",
            )
        ),  # fmt: skip
        "entries": _rows(
            (r, k, a, m, index.get(s, s))
            for r, k, a, m, s in LedgerEntry.objects.filter(merchant=merchant).values_list(
                "receivable__external_id", "kind", "amount_minor", "memo", "source_ref"
            )
        ),
        "customers": _rows(
            Customer.objects.filter(merchant=merchant).values_list(
                "external_id",
                "source",
                "kind",
                "name",
                "country",
                "region",
                "city",
                "timezone",
                "locale",
                "erased_at",
            )
        ),  # fmt: skip
        "contacts": _rows(
            ContactPoint.objects.filter(merchant=merchant).values_list(
                "customer__external_id", "kind", "value", "is_primary", "disabled_at"
            )
        ),
        "synced": _rows(
            SyncedObject.objects.filter(merchant=merchant).values_list(
                "source",
                "kind",
                "external_id",
                "version",
                "state",
                "note",
                "data",
                "receivable__external_id",
                "customer__external_id",
                "recheck_at",
            )
        ),  # fmt: skip
        "cases": _rows(
            Case.objects.filter(merchant=merchant).values_list(
                "customer__external_id", "currency", "closed_at"
            )
        ),
        "write_backs": _rows(
            WriteBack.objects.filter(merchant=merchant).values_list("action", "external_id", "payload")
        ),
    }


@pytest.fixture
def written(monkeypatch) -> list[str]:
    """The external ids the batch path wrote in runs (the rest went one by one)."""
    from settle.integrations import batch

    ids: list[str] = []

    def spy(items, now):
        done, alone = batch.write_run(items, now)
        ids.extend(item.debt.external_id for item, _outcome in done)
        return done, alone

    monkeypatch.setattr("settle.integrations.services.write_run", spy)
    return ids


@pytest.fixture
def twin(db):
    from settle.merchants.services import merchant_create

    return merchant_create(
        name="Acme Twin", slug="acme-twin", country="PL", default_currency="PLN", timezone="Europe/Warsaw"
    )


def test_a_batch_ends_as_the_one_by_one_path_leaves_it_and_tenants_stay_apart(
    hooks, connect, acme, twin, written
):
    """The same deliveries to two merchants (same order and customer ids): one processed with runs, the other
    one by one. Everything Settle stores about them is the same, and neither sees the other's rows."""
    connect("shopify")
    connect("shopify", merchant=twin, settings={})
    deliver_scenario(hooks, acme)
    while events_process(now=clock.now()):  # the refund released by order 12 is processed next round
        pass
    # Written in runs: the plain new orders; everything else went one by one.
    assert sorted(written) == ["9001", "9010", "9011", "9012", "9013", "9020", "9021"]
    deliver_scenario(Hooks(twin), twin)
    while events_process(now=clock.now(), bulk=False):
        pass
    batched, single = snapshot(acme), snapshot(twin)
    for part in batched:
        assert batched[part] == single[part], part
    statuses = [s for _t, s, *_ in batched["events"]]
    assert statuses.count("processed") >= 12 and "failed" in statuses and "skipped" in statuses
    assert any(status == "failed" and field == "currency" for _t, status, _o, field, *_ in batched["events"])
    # Isolation: each merchant's receivables name only its own customers.
    for merchant in (acme, twin):
        assert not Receivable.objects.filter(merchant=merchant).exclude(customer__merchant=merchant).exists()
        assert (
            not SyncedObject.objects.filter(merchant=merchant)
            .exclude(customer__isnull=True)
            .exclude(customer__merchant=merchant)
            .exists()
        )
    assert (
        Receivable.objects.filter(merchant=acme).count() == Receivable.objects.filter(merchant=twin).count()
    )


def deliver_woo_scenario(hooks: Hooks, merchant) -> None:
    def woo(n: int, customer: int, **changes) -> dict:
        billing = {
            **woo_order()["billing"],
            "email": f"buyer{customer}@example.com",
            **changes.pop("billing", {}),
        }
        return woo_order(id=500 + n, number=str(500 + n), customer_id=customer, billing=billing, **changes)

    meta = [{"id": 1, "key": "_wcpdf_invoice_due_date", "value": "1765152000"}]
    for topic, payload in [
        ("order.created", woo(1, customer=1)),
        ("order.created", woo(2, customer=1, status="pending", payment_method="stripe")),
        ("order.created", woo(3, customer=2, meta_data=meta)),  # due date from an invoice plugin
        ("order.created", woo(4, customer=2, status="completed", date_paid_gmt="2026-11-21T10:00:00")),
        (
            "order.updated",
            woo(
                1,
                customer=1,
                status="completed",
                date_paid_gmt="2026-11-21T10:00:00",
                date_modified_gmt="2026-11-21T10:00:00",
            ),
        ),  # fmt: skip
        ("order.created", woo(5, customer=3, refunds=[{"id": 1, "total": "-5.00"}])),
        ("order.created", woo(6, customer=3, status="cancelled")),
        ("order.created", woo(7, customer=0, billing={"email": "guest@example.com"})),
        ("order.created", woo(8, customer=4, total="12.3.4")),
        ("order.created", woo(9, customer=4, status="processing", payment_method="cod")),
    ]:
        hooks.woo(topic, payload)


def test_woocommerce_runs_end_as_the_one_by_one_path_leaves_them(hooks, connect, acme, twin, written):
    connect("woocommerce")
    connect("woocommerce", merchant=twin)
    deliver_woo_scenario(hooks, acme)
    while events_process(now=clock.now()):
        pass
    deliver_woo_scenario(Hooks(twin), twin)
    while events_process(now=clock.now(), bulk=False):
        pass
    batched, single = snapshot(acme), snapshot(twin)
    for part in batched:
        assert batched[part] == single[part], part
    assert Receivable.objects.filter(merchant=acme).count() == 6
    assert sorted(written) == ["501", "502", "503", "507", "509"]


def test_an_odd_payload_fails_alone_and_the_rest_of_the_batch_is_written(hooks, connect, written):
    connect("shopify")
    hooks.shopify("orders/create", order(1, customer=1))
    hooks.shopify("orders/create", shopify_order(id=9002, customer=["not", "an", "object"]))
    hooks.shopify("orders/create", order(3, customer=1))
    assert hooks.process() == 3
    statuses = list(InboundEvent.objects.order_by("id").values_list("status", flat=True))
    assert statuses == ["processed", "failed", "processed"]
    assert sorted(written) == ["9001", "9003"] and Receivable.objects.count() == 2


def test_write_back_terms_are_queued_from_a_run(hooks, connect, acme):
    connect("shopify", settings={"write_back_terms": True})
    for n in range(3):
        hooks.shopify("orders/create", order(n, customer=1))
    hooks.process()
    assert sorted(WriteBack.objects.values_list("action", "external_id", "payload")) == [
        ("payment_terms_create", str(9000 + n), {"due_date": "2026-12-04"}) for n in range(3)
    ]


def test_queries_per_new_order_stay_a_fraction_of_one(hooks, connect):
    """100 new orders, three per customer, in one batch: a fixed handful of statements, not ~17 per order."""
    connect("shopify")
    for n in range(100):
        hooks.shopify("orders/create", order(n, customer=n // 3))
    with CaptureQueriesContext(connection) as queries:
        assert events_process(now=clock.now()) == 100
    assert Receivable.objects.count() == 100 and Customer.objects.count() == 34
    assert InboundEvent.objects.filter(status=EventStatus.PROCESSED).count() == 100
    # SQLite (embedded mode): the ledger's generic bulk path touches each customer's case on its own.
    limit = 40 if connection.vendor == "postgresql" else 40 + 34
    assert len(queries) <= limit, "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_a_failing_run_is_redone_one_by_one_and_loses_nothing(hooks, connect, monkeypatch):
    from settle.integrations import batch

    def broken(**kwargs):
        raise batch.RunConflict("simulated: another writer stored one of them")

    monkeypatch.setattr(batch, "receivables_bulk_create", broken)
    connect("shopify")
    for n in range(5):
        hooks.shopify("orders/create", order(n, customer=n // 2))
    hooks.shopify("orders/create", order(9, customer=1, currency="XXQ"))
    assert hooks.process() == 6
    statuses = list(InboundEvent.objects.order_by("id").values_list("status", "attempts"))
    assert statuses == [("processed", 1)] * 5 + [("failed", 1)]
    assert Receivable.objects.count() == 5 and LedgerEntry.objects.filter(kind="charge").count() == 5
    assert SyncedObject.objects.filter(state="open").count() == 5


def test_a_run_event_replayed_changes_nothing(hooks, connect):
    connect("shopify")
    for n in range(4):
        hooks.shopify("orders/create", order(n, customer=1))
    hooks.process()
    before = snapshot(InboundEvent.objects.first().merchant)
    for event in InboundEvent.objects.order_by("id"):
        event_replay(event=event)
    after = snapshot(InboundEvent.objects.first().merchant)
    assert after["receivables"] == before["receivables"] and after["entries"] == before["entries"]
    assert after["contacts"] == before["contacts"] and after["synced"] == before["synced"]
    assert [e[1] for e in after["events"]] == ["processed"] * 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED: several workers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_backlog_and_each_event_is_applied_once(hooks, connect):
    """Two worker threads (own connections) drain one backlog: batches are claimed with SKIP LOCKED, runs
    claim their sync rows, customers shared across batch boundaries are created once."""
    import threading

    from django.db import connections

    connect("shopify")
    for n in range(450):
        hooks.shopify("orders/create", order(n, customer=n // 3))
    for n in range(0, 450, 45):  # later in the queue: some of them paid
        hooks.shopify(
            "orders/updated",
            order(n, customer=n // 3, updated_at=V2, financial_status="paid", total_outstanding="0"),
        )
    now, errors = clock.now(), []

    def work() -> None:
        try:
            while events_process(now=now, batch_size=50):
                pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    assert sorted(set(InboundEvent.objects.values_list("status", flat=True))) == ["processed"]
    assert Receivable.objects.count() == 450 and Customer.objects.count() == 150
    assert LedgerEntry.objects.filter(kind="charge").count() == 450
    assert Receivable.objects.filter(status="paid").count() == 10
    assert SyncedObject.objects.filter(kind="order").count() == 450
    assert ContactPoint.objects.count() == 150
