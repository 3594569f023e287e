"""Bench: import 1,000,000 receivables (over 300,000 customers) from CSV on PostgreSQL.

Prints rows/s and peak RSS of the receivables import, and the ratio to a bare PostgreSQL COPY of the same
file into a plain table in the same run (the floor: reading the bytes into the database, nothing more).

    python bench/import_csv.py [--rows 1000000] [--customers 300000] [--set-based-fk] [--profile] [--no-floor]

It works in its own database (`settle_bench_imports`, dropped and re-created each run) on the PostgreSQL at
DATABASE_URL's host (default 127.0.0.1:5432, user postgres), so it never touches real data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

BENCH_DB = "settle_bench_imports"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB, from /proc."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default), from /proc: on a shared box the wall time
    depends on the load, the CPU each side spent much less. The bench's PostgreSQL backend runs on this host."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss() -> None:
    # Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0), so each phase reports its own peak.
    Path("/proc/self/clear_refs").write_text("5")


def generate(folder: Path, customers: int, rows: int, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)
    cpath, rpath = folder / "customers.csv", folder / "receivables.csv"
    countries = [("PL", "pl"), ("DE", "de"), ("GB", "en"), ("US", "en"), ("UA", "en")]
    with cpath.open("w", encoding="utf-8") as f:
        f.write("external_id,name,kind,country,city,locale,email,orders_count\n")
        for i in range(customers):
            country, locale = countries[i % len(countries)]
            kind = "business" if i % 10 == 0 else "consumer"
            f.write(f"c{i},Customer {i},{kind},{country},City {i % 500},{locale},c{i}@example.com,{i % 40}\n")
    currencies = ["PLN", "EUR", "GBP", "USD"]
    start = date(2025, 6, 1)
    with rpath.open("w", encoding="utf-8") as f:
        f.write("external_id,customer_external_id,currency,amount,due_date,issued_at,number,terms\n")
        for i in range(rows):
            due = start + timedelta(days=rng.randrange(540))
            issued = due - timedelta(days=30)
            amount = f"{rng.randrange(1, 250_000)}.{rng.randrange(100):02d}"
            f.write(f"ord-{i},c{rng.randrange(customers)},{currencies[i % 4]},{amount},{due.isoformat()},"
                    f"{issued.isoformat()}T12:00:00Z,#{100000 + i},net_30\n")  # fmt: skip
    return cpath, rpath


def copy_floor(connection, merchant_id: int, rpath: Path, chunk_rows: int, tmp: Path) -> dict:
    """The floor for any import design: the same receivables and their charge entries, customers already
    resolved and rows already formatted, COPYed in `chunk_rows`-row transactions into copies of
    ledger_receivable and ledger_ledgerentry with the same columns, indexes, checks and foreign keys (empty,
    as the real ones were when the import started). Run twice: with PostgreSQL's per-row foreign-key checks
    (the default any role gets), and with them skipped (`session_replication_role = replica`, superuser).
    No validation, no cases, no ids drawn: only the writes every import must do."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT external_id, id FROM customers_customer WHERE merchant_id = %s", [merchant_id])
        customers = dict(cursor.fetchall())
    now = "2026-12-04 12:00:00+00"
    rec_path, ent_path = tmp / "floor_receivables.copy", tmp / "floor_entries.copy"
    with rpath.open(encoding="utf-8") as src, rec_path.open("w") as rec, ent_path.open("w") as ent:
        next(src)
        for pk, line in enumerate(src, start=1):
            ext, cust, cur, amount, due, issued, number, terms = line.rstrip("\n").split(",")
            minor, cid = amount.replace(".", ""), customers[cust]
            rec.write(f"{pk}\t{merchant_id}\t{cid}\tcsv\t{ext}\t{number}\t{cur}\t{minor}\t{minor}\t{issued}\t"
                      f"{due}\t{terms}\t\topen\t{now}\n")  # fmt: skip
            ent.write(f"{merchant_id}\t{cid}\t{pk}\tcharge\t{cur}\t{minor}\t{issued}\t\tfloor\t{now}\n")
    fks = [
        ("floor_receivable", "merchant_id", "merchants_merchant"),
        ("floor_receivable", "customer_id", "customers_customer"),
        ("floor_entry", "merchant_id", "merchants_merchant"),
        ("floor_entry", "customer_id", "customers_customer"),
        ("floor_entry", "receivable_id", "floor_receivable"),
        ("floor_entry", "payment_id", "ledger_payment"),
    ]
    results = {}
    for label, role in (("per-row FK checks", "origin"), ("no FK checks", "replica")):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS floor_entry, floor_receivable")
            cursor.execute("CREATE TABLE floor_receivable (LIKE ledger_receivable INCLUDING ALL)")
            cursor.execute("CREATE TABLE floor_entry (LIKE ledger_ledgerentry INCLUDING ALL)")
            for table, column, target in fks:
                cursor.execute(f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                               "DEFERRABLE INITIALLY DEFERRED")  # fmt: skip
            cursor.execute("CHECKPOINT")  # start both runs from the same state
            backend = cursor.connection.info.backend_pid
        raw = connection.connection  # the psycopg connection itself
        t0, c0 = time.perf_counter(), cpu_seconds(backend)
        with rec_path.open() as rec, ent_path.open() as ent, raw.cursor() as cur:
            while True:
                rec_block = "".join(islice(rec, chunk_rows))
                if not rec_block:
                    break
                ent_block = "".join(islice(ent, chunk_rows))
                with (
                    raw.transaction()
                ):  # Django keeps the connection in autocommit: one transaction per chunk
                    cur.execute(f"SET LOCAL session_replication_role = {role}")
                    with cur.copy("COPY floor_receivable (id, merchant_id, customer_id, source, external_id, number, "
                                  "currency, amount_minor, balance_minor, issued_at, due_date, terms, description, "
                                  "status, created_at) FROM STDIN") as copy:  # fmt: skip
                        copy.write(rec_block)
                    with cur.copy("COPY floor_entry (merchant_id, customer_id, receivable_id, kind, currency, "
                                  "amount_minor, effective_at, memo, source_ref, created_at) FROM STDIN") as copy:  # fmt: skip
                        copy.write(ent_block)
        results[label] = (time.perf_counter() - t0, cpu_seconds(backend) - c0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS floor_entry, floor_receivable")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--set-based-fk", action="store_true", help="SETTLE_IMPORT_SET_BASED_FK_CHECKS on")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the floor (COPY into copies of the tables)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the receivables import (pyinstrument)"
    )
    args = parser.parse_args()

    import psycopg

    admin = psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin.execute(f"CREATE DATABASE {BENCH_DB}")
    admin.close()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settle.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "false")  # Django's debug cursor would keep every statement
    os.environ["SETTLE_IMPORT_SET_BASED_FK_CHECKS"] = "true" if args.set_based_fk else "false"
    print(
        f"foreign keys checked {'set-based per chunk' if args.set_based_fk else 'per row (PostgreSQL default)'}"
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from settle.imports.services import import_job_start, import_stream
    from settle.merchants.services import merchant_create

    call_command("migrate", verbosity=0)
    merchant = merchant_create(name="Bench Shop", slug="bench", country="PL", default_currency="PLN",
                               timezone="Europe/Warsaw")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        cpath, rpath = generate(Path(tmp), args.customers, args.rows)
        print(f"generated {args.customers:,} customers + {args.rows:,} receivables "
              f"({rpath.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s")  # fmt: skip

        cpu: dict[str, tuple[float, float]] = {}

        def run(kind: str, path: Path, profile: bool = False):
            job = import_job_start(
                merchant=merchant, kind=kind, filename=path.name, size_bytes=path.stat().st_size
            )
            reset_peak_rss()
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            backend = connection.cursor().connection.info.backend_pid
            t0, c0, s0 = time.perf_counter(), cpu_seconds(), cpu_seconds(backend)
            with path.open("rb") as stream:
                job = import_stream(job=job, stream=stream, chunk_rows=args.chunk_rows)
            elapsed = time.perf_counter() - t0
            cpu[kind] = (cpu_seconds() - c0, cpu_seconds(backend) - s0)
            if profiler is not None:
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
            return job, elapsed, rss_mb()[1]

        job, elapsed, peak = run("customers", cpath)
        print(f"customers import: {job.created_count:,} created, {job.error_count} bad, {elapsed:.1f}s, "
              f"{job.rows_done / elapsed:,.0f} rows/s, peak RSS {peak:.0f} MB")  # fmt: skip

        # The floor: the same receivables file COPYed as-is into a plain table, in this same run.
        with connection.cursor() as cursor:
            cursor.execute("CREATE UNLOGGED TABLE IF NOT EXISTS bench_plain (external_id text, "
                           "customer_external_id text, currency text, amount text, due_date text, "
                           "issued_at text, number text, terms text)")  # fmt: skip
            cursor.execute("TRUNCATE bench_plain")
            t0 = time.perf_counter()
            with (
                rpath.open("rb") as f,
                cursor.copy("COPY bench_plain FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while block := f.read(1 << 20):
                    copy.write(block)
            bare = time.perf_counter() - t0
            cursor.execute("DROP TABLE bench_plain")
        print(
            f"bare COPY of the receivables file into a plain table: {bare:.1f}s, {args.rows / bare:,.0f} rows/s"
        )

        job, elapsed, peak = run("receivables", rpath, profile=args.profile)
        rate = job.rows_done / elapsed
        print(f"receivables import: {job.rows_done:,} rows, {job.created_count:,} created, {job.error_count} bad, "
              f"{elapsed:.1f}s")  # fmt: skip
        print(f"  CPU: import process {cpu['receivables'][0]:.1f}s, its PostgreSQL backend {cpu['receivables'][1]:.1f}s "
              f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
        print(f"  => {rate:,.0f} rows/s (target >= 50,000), peak RSS {peak:.0f} MB (target < 500), "
              f"{elapsed / bare:.1f}x the bare COPY time")  # fmt: skip

        job2, elapsed2, peak2 = run("receivables", rpath)
        print(f"re-import of the same file: {job2.created_count:,} created, {job2.existing_count:,} already there, "
              f"{elapsed2:.1f}s, {job2.rows_done / elapsed2:,.0f} rows/s, peak RSS {peak2:.0f} MB")  # fmt: skip

        floor = (
            {} if args.no_floor else copy_floor(connection, merchant.pk, rpath, args.chunk_rows, Path(tmp))
        )
        for label, (seconds, backend_cpu) in floor.items():
            print(f"floor, COPY into copies of the real tables ({label}): {seconds:.1f}s, "
                  f"{args.rows / seconds:,.0f} rows/s, backend CPU {backend_cpu:.1f}s; "
                  f"the import takes {elapsed / seconds:.1f}x this")  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM ledger_receivable r
            LEFT JOIN (SELECT receivable_id, sum(amount_minor) s FROM ledger_ledgerentry GROUP BY 1) e
                ON e.receivable_id = r.id
            WHERE r.merchant_id = %s AND r.balance_minor IS DISTINCT FROM coalesce(e.s, 0)""", [merchant.pk])  # fmt: skip
        mismatches = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM ledger_ledgerentry WHERE merchant_id = %s", [merchant.pk])
        entries = cursor.fetchone()[0]
    print(
        f"ledger check: {entries:,} charge entries, {mismatches} receivables whose balance differs from entries"
    )
    connection.close()


if __name__ == "__main__":
    main()
