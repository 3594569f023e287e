"""Two ticks at once (as `runworker --processes 2` runs them): each due case is decided by exactly one of them."""

import threading
from datetime import UTC, date, datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from settle.cases import engine
from settle.cases.models import Case, CaseEvent, Strategy
from settle.communications.models import Message
from settle.customers.services import customer_create

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="skip_locked claims are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_second_tick_skips_the_cases_another_tick_holds_and_nothing_is_decided_twice(
    acme, overdue, frozen_clock, monkeypatch
):
    if not Strategy.objects.filter(merchant=None).exists():  # an earlier transactional test flushed them
        import_module("settle.cases.migrations.0003_default_strategies_and_rates").forward(apps, None)
    for i in range(6):
        customer = customer_create(merchant=acme, name=f"C{i}", country="PL", locale="pl",
                                   email=f"c{i}@example.pl", external_id=f"c{i}", orders_count=3)  # fmt: skip
        overdue(customer, f"r-{i}", 1000, date(2026, 11, 20))
    main = threading.current_thread()
    inside, release = threading.Event(), threading.Event()
    real = engine.load_snapshots

    def held(rows, now, ctx):
        if threading.current_thread() is not main:  # the other tick stops inside its first batch, rows locked
            inside.set()
            assert release.wait(10)
        return real(rows, now, ctx)

    monkeypatch.setattr(engine, "load_snapshots", held)
    results = {}

    def other_tick():
        try:
            results["other"] = engine.advance_due_cases(NOW, batch_size=3)
        finally:
            connection.close()

    thread = threading.Thread(target=other_tick)
    thread.start()
    assert inside.wait(10)
    results["this"] = engine.advance_due_cases(NOW, batch_size=3)  # skips the 3 held cases, does the rest
    release.set()
    thread.join(10)
    assert results == {"this": 3, "other": 3}
    assert CaseEvent.objects.filter(kind="decision").count() == 6
    assert sorted(Message.objects.values_list("case_id", flat=True)) == sorted(
        Case.objects.values_list("id", flat=True)
    )
