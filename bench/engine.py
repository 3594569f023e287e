"""Benchmark of the engine's tick on PostgreSQL: 1,000,000 open receivables over 300,000 customers.

Prints: cases/s for a tick where 1 % of cases are due, the time of a tick with nothing due, peak RSS, and the
ratio of the due tick to the bare I/O it needs (a raw SQL scan of the same due rows plus a bulk insert of as
many outbox rows, measured in the same run). The due tick is measured in one process and then with
`BENCH_PROCESSES` (default 2) worker processes ticking at the same moment, the way `manage.py runworker
--processes N` runs them: long-lived forked loops that share the due cases through `skip_locked` claims (each
warmed by one tick first, as a running worker is). Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/settle_bench_engine .venv/bin/python bench/engine.py

The database is created, migrated and filled on first use (SQL generate_series; ~1 min), then reused.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/settle_bench_engine")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settle.settings")

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "300000"))
RECEIVABLES = int(os.environ.get("BENCH_RECEIVABLES", "1000000"))
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def populate() -> None:
    from django.db import connection

    from settle.customers.models import Customer
    from settle.merchants.services import merchant_create

    if Customer.objects.count() >= CUSTOMERS:
        return
    t0 = time.perf_counter()
    merchant = merchant_create(name="Bench", slug="bench", country="PL", default_currency="PLN",
                               timezone="Europe/Warsaw")  # fmt: skip
    m = merchant.pk
    countries = "ARRAY['PL','PL','PL','DE','GB','RU','US','FR','ES','UA']"
    zones = ("ARRAY['Europe/Warsaw','Europe/Warsaw','Europe/Warsaw','Europe/Berlin','Europe/London',"
             "'Europe/Moscow','America/New_York','Europe/Paris','Europe/Madrid','Europe/Kyiv']")  # fmt: skip
    with connection.cursor() as c:
        c.execute(f"""
            INSERT INTO customers_customer (merchant_id, source, external_id, kind, name, company_name, tax_id,
              country, region, city, timezone, locale, preferred_channel, orders_count, created_at, updated_at)
            SELECT {m}, 'api', 'c' || g, CASE WHEN g % 10 = 0 THEN 'business' ELSE 'consumer' END, 'Customer ' || g,
              '', '', ({countries})[1 + g % 10], '', '', ({zones})[1 + g % 10], 'en', '', g % 12, now(), now()
            FROM generate_series(1, {CUSTOMERS}) g""")
        c.execute(f"""
            INSERT INTO customers_contactpoint (merchant_id, customer_id, kind, value, label, is_primary, verified,
              last_error, created_at)
            SELECT {m}, id, 'email', 'c' || id || '@example.com', '', true, true, '', now()
            FROM customers_customer WHERE merchant_id = {m}""")
        c.execute(f"""
            INSERT INTO ledger_receivable (merchant_id, customer_id, source, external_id, number, currency,
              amount_minor, balance_minor, issued_at, due_date, terms, description, status, created_at)
            SELECT {m}, cu.id, 'api', 'r' || g, 'R-' || g, 'PLN', 1000 + g % 90000, 1000 + g % 90000,
              now() - interval '60 days', DATE '2026-11-01' + (g % 25), '', '', 'open', now()
            FROM generate_series(1, {RECEIVABLES}) g
            JOIN customers_customer cu ON cu.merchant_id = {m} AND cu.external_id = 'c' || (1 + g % {CUSTOMERS})""")
        c.execute(f"""
            INSERT INTO cases_case (merchant_id, customer_id, currency, stage, opened_at, outcome, segment,
              step_index, last_step, pause_reason, last_error, next_check_at)
            SELECT {m}, id, 'PLN', 'new', now() - interval '30 days', '', '', 0, '', '', '',
              TIMESTAMPTZ '2027-01-01' FROM customers_customer WHERE merchant_id = {m}""")
        c.execute("ANALYZE")
    print(
        f"populated {CUSTOMERS:,} customers, {RECEIVABLES:,} receivables in {time.perf_counter() - t0:.1f} s"
    )


def reset_due(fraction_mod: int = 100) -> int:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DELETE FROM communications_message")
        c.execute("DELETE FROM workdesk_task")
        c.execute("DELETE FROM cases_caseevent")
        c.execute("UPDATE cases_case SET next_check_at = CASE WHEN id %% %s = 0 THEN %s ELSE %s END, "
                  "step_index = 0, strategy_version_id = NULL, last_step = '', segment = '' "
                  "WHERE next_check_at IS DISTINCT FROM CASE WHEN id %% %s = 0 THEN %s ELSE %s END "
                  "OR step_index <> 0 OR strategy_version_id IS NOT NULL",
                  [fraction_mod, NOW, NOW + timedelta(days=30), fraction_mod, NOW, NOW + timedelta(days=30)])  # fmt: skip
        c.execute("SELECT count(*) FROM cases_case WHERE closed_at IS NULL AND next_check_at <= %s", [NOW])
        return c.fetchone()[0]


def bare_io(due: int) -> float:
    """The same due rows scanned with raw SQL plus as many outbox rows bulk-inserted; rolled back."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("""SELECT c.id, c.customer_id, cu.timezone, r.id, r.balance_minor, r.due_date
                         FROM cases_case c JOIN customers_customer cu ON cu.id = c.customer_id
                         JOIN ledger_receivable r ON r.customer_id = c.customer_id AND r.status = 'open'
                         WHERE c.closed_at IS NULL AND c.next_check_at <= %s""", [NOW])  # fmt: skip
            rows = c.fetchall()
            cases = {}
            for case_id, customer_id, *_ in rows:
                cases[case_id] = customer_id
            values = []
            for case_id, customer_id in cases.items():
                values += [1, case_id, customer_id, f"bare-{case_id}", NOW]
            placeholder = ("(%s,%s,%s,'k','email','reminder_1','neutral','en','{}'::jsonb,'','','',%s,'queued','',"
                           "%s,0,'','',gen_random_uuid(),false,now())")  # fmt: skip
            c.execute(
                "INSERT INTO communications_message (merchant_id, case_id, customer_id, step_key, channel, "
                "template_key, tone, locale, context, subject, body_text, body_html, idempotency_key, status, "
                "status_reason, not_before, attempts, provider_ref, delivery_status, code, is_test, created_at) "
                "VALUES " + ",".join([placeholder] * len(cases)), values)  # fmt: skip
        transaction.set_rollback(True)
    assert len(cases) == due, (len(cases), due)
    return time.perf_counter() - t0


def _tick_loop(conn, batch: int) -> None:
    """A worker process of the N-process measurement: tick on request, answer (cases done, CPU seconds)."""
    from settle.cases.engine import advance_due_cases

    while conn.recv() == "tick":
        cpu0 = time.process_time()
        done = advance_due_cases(NOW, batch_size=batch)
        conn.send((done, time.process_time() - cpu0))


def parallel_ticks(processes: int, batch: int, due: int, runs: int = 3) -> list[tuple]:
    """(wall, total CPU of the tick processes, bare I/O, done) per run, after one warm-up tick."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    connections.close_all()  # each forked process opens its own connection
    pipes, workers = [], []
    for _ in range(processes):
        here, there = context.Pipe()
        worker = context.Process(target=_tick_loop, args=(there, batch))
        worker.start()
        pipes.append(here)
        workers.append(worker)
    out = []
    try:
        for run in range(runs + 1):
            assert reset_due() == due
            bare = min(bare_io(due) for _ in range(2))
            t0 = time.perf_counter()
            for pipe in pipes:
                pipe.send("tick")
            results = [pipe.recv() for pipe in pipes]
            wall = time.perf_counter() - t0
            if run:  # the first tick warms each process (imports, holiday calendars, rule caches)
                out.append((wall, sum(r[1] for r in results), bare, sum(r[0] for r in results)))
    finally:
        for pipe in pipes:
            pipe.send("stop")
        for worker in workers:
            worker.join()
    return out


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from settle.cases.engine import advance_due_cases

    call_command("migrate", verbosity=0)
    populate()
    due = reset_due()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")  # outside a transaction: autocommit
        c.execute("SELECT count(*) FROM ledger_receivable WHERE status = 'open'")
        open_receivables = c.fetchone()[0]
        c.execute("SELECT count(*) FROM cases_case WHERE closed_at IS NULL")
        open_cases = c.fetchone()[0]
    batch = int(os.environ.get("BENCH_BATCH", "1000"))
    processes = int(os.environ.get("BENCH_PROCESSES", "2"))
    runs = []
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3):  # the machine is shared: report the best and the median of three
        assert reset_due() == due
        bare = min(bare_io(due) for _ in range(2))
        cpu0, t0 = time.process_time(), time.perf_counter()
        done = advance_due_cases(NOW, batch_size=batch)
        runs.append((time.perf_counter() - t0, time.process_time() - cpu0, bare, done))
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM communications_message")
        queued = c.fetchone()[0]
    idle = []
    for _ in range(5):
        t0 = time.perf_counter()
        assert advance_due_cases(NOW) == 0
        idle.append(time.perf_counter() - t0)
    parallel = sorted(parallel_ticks(processes, batch, due)) if processes > 1 else []
    runs.sort()
    best, median = runs[0], runs[1]
    print(f"database: PostgreSQL {connection.pg_version // 10000}, {open_receivables:,} open receivables, "
          f"{open_cases:,} open cases; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    for label, (wall, cpu, bare, done) in (("best", best), ("median", median)):
        print(f"due tick, 1 process ({label} of 3, batch {batch}): {done:,} of {due:,} due cases in {wall:.3f} s = "
              f"{done / wall:,.0f} cases/s (engine process CPU {cpu:.3f} s = {done / cpu:,.0f} cases per CPU-s); "
              f"bare I/O {bare:.3f} s; ratio {wall / bare:.1f}x")  # fmt: skip
    for label, (wall, cpu, bare, done) in (
        (("best", parallel[0]), ("median", parallel[1])) if parallel else ()
    ):
        print(f"due tick, {processes} processes ({label} of 3, batch {batch}): {done:,} of {due:,} due cases in "
              f"{wall:.3f} s = {done / wall:,.0f} cases/s (tick processes' CPU {cpu:.3f} s = {done / cpu:,.0f} "
              f"cases per CPU-s); bare I/O {bare:.3f} s; ratio {wall / bare:.1f}x")  # fmt: skip
    print(f"outbox rows written by the last run: {queued:,} (target >= 5,000 cases/s)")
    print(f"idle tick (nothing due): median {sorted(idle)[2] * 1000:.1f} ms, max {max(idle) * 1000:.1f} ms "
          f"(target < 50 ms)")  # fmt: skip
    print(f"peak RSS: {rss1 / 1024:.0f} MiB (grew {(rss1 - rss0) / 1024:.0f} MiB over the due ticks)")


if __name__ == "__main__":
    main()
