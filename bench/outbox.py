"""Outbox throughput: N queued messages delivered by 4 `manage.py runworker` processes on PostgreSQL into a
loopback aiosmtpd sink, against a bare smtplib loop into the same sink in the same run.

    python bench/outbox.py            # N=100000, 4 workers
    BENCH_N=5000 python bench/outbox.py

Prints messages/s, the ratio to the bare loop, and duplicates/losses counted at the sink by Message-ID.
Uses its own database (settle_bench_outbox) on the local PostgreSQL; it is dropped and re-created each run.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("BENCH_N", "100000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
BARE_N = int(os.environ.get("BENCH_BARE_N", str(min(N, 20000))))
DB_NAME = "settle_bench_outbox"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
NOW = "2026-12-01T09:00:00+00:00"
_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.M | re.I)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sink_main(port: int, ready, stop, out_path: str) -> None:
    """The SMTP sink: counts Message-IDs; dumps them to a file when told to stop."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    ids: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            match = _ID.search(envelope.content)
            ids.append(match.group(1) if match else b"<none>")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    Path(out_path).write_text(json.dumps(Counter(i.decode() for i in ids)))


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.out = f"/tmp/settle-bench-sink-{os.getpid()}.json"

    def __enter__(self):
        ctx = mp.get_context("spawn")
        self.ready, self.stop = ctx.Event(), ctx.Event()
        self.proc = ctx.Process(target=sink_main, args=(self.port, self.ready, self.stop, self.out))
        self.proc.start()
        self.ready.wait(10)
        return self

    def counts(self) -> Counter:
        self.stop.set()
        self.proc.join(30)
        return Counter(json.loads(Path(self.out).read_text()))

    def __exit__(self, *exc):
        if self.proc.is_alive():
            self.proc.kill()


def bare_rate(port: int, sample_email: bytes) -> float:
    """The same kind of message, prebuilt, sent over one smtplib connection: the floor any sender pays."""
    import smtplib

    conn = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for i in range(BARE_N):
        body = sample_email.replace(b"BARE-ID", f"bare-{i}".encode())
        conn.sendmail("settle@localhost", ["c@example.pl"], body)
    elapsed = time.perf_counter() - started
    conn.quit()
    return BARE_N / elapsed


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql], check=True,
                   capture_output=True)  # fmt: skip


def seed() -> bytes:
    """Create N customers (one message each, as the one-a-day rule intends) with open balances."""
    import django

    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settle.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from datetime import date, datetime

    from django.db import connection

    from settle.merchants.services import merchant_create

    at = datetime.fromisoformat(NOW)
    merchant = merchant_create(name="Bench Shop", slug="bench", country="PL", default_currency="PLN",
                               timezone="Europe/Warsaw")  # fmt: skip
    ctx = json.dumps({"currency": "PLN", "balance_minor": 12950, "due_date": "2026-11-14",
                      "items": [{"number": "#1042", "balance_minor": 12950, "due_date": "2026-11-14"}]})  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO customers_customer (merchant_id, source, external_id, kind, name, company_name, tax_id,
                 country, region, city, timezone, locale, preferred_channel, orders_count, created_at, updated_at)
               SELECT %s, 'api', 'c' || i, 'consumer', 'Customer ' || i, '', '', 'PL', '', 'Warszawa',
                      'Europe/Warsaw', 'pl', '', 1, %s, %s FROM generate_series(1, %s) i""",
            [merchant.pk, at, at, N],
        )
        cur.execute(
            """INSERT INTO customers_contactpoint (merchant_id, customer_id, kind, value, label, is_primary, verified,
                 last_error, created_at)
               SELECT merchant_id, id, 'email', 'c' || id || '@example.pl', '', true, true, '', %s
               FROM customers_customer WHERE merchant_id = %s""",
            [at, merchant.pk],
        )
        cur.execute(
            """INSERT INTO ledger_receivable (merchant_id, customer_id, source, external_id, number, currency,
                 amount_minor, balance_minor, issued_at, due_date, terms, description, status, created_at)
               SELECT merchant_id, id, 'api', 'inv-' || id, '#1042', 'PLN', 12950, 12950, %s, %s, '', '', 'open', %s
               FROM customers_customer WHERE merchant_id = %s""",
            [at, date(2026, 11, 14), at, merchant.pk],
        )
        # Cases through the ORM: other apps add columns to them (defaults live in the model, not the table).
        from settle.cases.models import Case
        from settle.customers.models import Customer

        ids = list(Customer.objects.filter(merchant=merchant).values_list("id", flat=True))
        Case.objects.bulk_create(
            (
                Case(merchant=merchant, customer_id=i, currency="PLN", stage="reminding", opened_at=at)
                for i in ids
            ),
            batch_size=5000,
        )
        cur.execute(
            """INSERT INTO communications_message (merchant_id, case_id, customer_id, step_key, channel,
                 contact_point_id, template_key, tone, locale, context, subject, body_text, body_html,
                 idempotency_key, status, status_reason, not_before, attempts, provider_ref, delivery_status, code,
                 is_test, created_at)
               SELECT c.merchant_id, c.id, c.customer_id, 'r1', 'email', p.id, 'reminder_1', 'gentle', 'pl',
                      %s::jsonb, '', '', '', 'case-' || c.id || '-r1-email', 'queued', '', %s, 0, '', '',
                      gen_random_uuid(), false, %s
               FROM cases_case c JOIN customers_contactpoint p ON p.customer_id = c.customer_id
               WHERE c.merchant_id = %s""",
            [ctx, at, at, merchant.pk],
        )
        cur.execute("ANALYZE")
    # One real rendering of the same message, for the bare loop to send.
    from settle.communications.delivery import render_message
    from settle.communications.models import Message
    from settle.communications.render import shipped_wording

    message = Message.objects.select_related("customer", "merchant").first()
    rendered = render_message(message, shipped_wording("reminder_1", "gentle", "pl")[0])
    from django.core.mail import EmailMultiAlternatives

    email = EmailMultiAlternatives(rendered.subject, rendered.text, "settle@localhost", ["c@example.pl"],
                                   headers={"Message-ID": "<BARE-ID@bench>", **rendered.headers})  # fmt: skip
    email.attach_alternative(rendered.html, "text/html")
    return email.message().as_bytes(linesep="\r\n")


def status_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM communications_message GROUP BY status")
        return dict(cur.fetchall())


def main() -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    env = {**os.environ, "DATABASE_URL": DB_URL, "LOG_LEVEL": "WARNING", "CI": ""}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    t = time.perf_counter()
    sample = seed()
    print(f"seeded {N} queued messages in {time.perf_counter() - t:.1f}s")

    with Sink() as sink:
        bare = bare_rate(sink.port, sample)
        print(f"bare smtplib loop: {BARE_N} messages, {bare:.0f} msg/s")
        worker_env = {**env, "SETTLE_NOW": NOW, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "runworker", "--idle", "0.2"],
                cwd=ROOT,
                env=worker_env,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            for _ in range(WORKERS)
        ]
        while True:
            time.sleep(0.5)
            counts = status_counts()
            if counts.get("queued", 0) + counts.get("sending", 0) == 0:
                break
            if any(w.poll() is not None for w in workers):
                raise SystemExit(f"a worker exited early: {[w.returncode for w in workers]}")
        elapsed = time.perf_counter() - started
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(30)
        received = sink.counts()

    from settle.communications.models import Message

    codes = {
        f"<{c}@settle.invalid>" for c in Message.objects.filter(status="sent").values_list("code", flat=True)
    }
    ours = {k: v for k, v in received.items() if not k.startswith("<bare-")}
    duplicates = sum(v - 1 for v in ours.values() if v > 1)
    losses = len(codes - set(ours)) + (N - len(codes))
    rate = N / elapsed
    print(f"statuses: {status_counts()}")
    print(f"outbox: {N} messages by {WORKERS} workers in {elapsed:.1f}s = {rate:.0f} msg/s (target >= 200)")
    print(f"ratio to bare smtplib loop: {rate / bare:.2f} (target >= 0.5)")
    print(f"duplicates at sink: {duplicates}, losses: {losses} (must be 0 and 0)")


if __name__ == "__main__":
    main()
