"""Webhook speed bench: signed Shopify order webhooks → gunicorn → PostgreSQL on loopback, with wrk.

Prints, from one run:
  1. the acknowledgement rate and latency of Settle's endpoint (/hooks/shopify/<merchant>/),
  2. the same load against a bare Django view that only checks the HMAC and inserts the row, and the ratio,
  3. how fast the stored backlog is then processed into the ledger (events/s), with 1 and N worker processes.

Usage: .venv/bin/python bench/webhooks.py [--seconds 10] [--requests 6000] [--connections 16] [--gunicorn-workers 3]
Needs wrk and a PostgreSQL at 127.0.0.1:5432 (user postgres, trust); uses (drops and recreates) settle_bench.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "shpss_bench_secret"
DB = os.environ.get("BENCH_DB", "settle_bench")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB}"


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settle.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def reset_database() -> None:
    for cmd in (["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB],
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", DB]):  # fmt: skip
        subprocess.run(cmd, check=True)


def make_bodies(n: int, path: Path) -> None:
    """n distinct, real-format orders/create payloads (the Shopify sample, made pending), signed."""
    sample = json.loads((ROOT / "settle/integrations/tests/fixtures/shopify-order-webhook.json").read_text())
    sample.update({"test": False, "cancelled_at": None, "financial_status": "pending", "current_total_price": "404.95",
                   "total_outstanding": "404.95", "payment_gateway_names": ["Bank Deposit"], "tags": ""})  # fmt: skip
    with path.open("w") as out:
        for i in range(n):
            order = copy.deepcopy(sample)
            order["id"] = 900000000000000000 + i
            order["name"] = f"#B{i}"
            order["customer"]["id"] = 800000000000000000 + i // 3  # three orders per customer
            order["customer"]["email"] = f"buyer{i // 3}@example.com"
            order["updated_at"] = order["processed_at"] = "2026-11-20T10:00:00-05:00"
            body = json.dumps(order, separators=(",", ":")).encode()
            mac = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
            out.write(f"{mac}\t{body.decode()}\n")


def wrk(url: str, datafile: Path, label: str, threads: int, connections: int, seconds: int) -> dict:
    from urllib.parse import urlparse

    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(ROOT / "bench/webhooks.lua"),
           url, "--", str(datafile), str(threads), urlparse(url).path, label]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (.*)", out)
    fields = dict(item.split("=") for item in match.group(1).split())
    r = {k: int(v) for k, v in fields.items()}
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def process_backlog(workers: int) -> tuple[int, float]:
    from django.db import connections

    from settle.core import clock
    from settle.integrations.models import InboundEvent
    from settle.integrations.services import events_process

    todo = InboundEvent.objects.filter(status="received").count()
    connections.close_all()
    started = time.perf_counter()
    if workers == 1:
        while events_process(now=clock.now(), limit=10_000):
            pass
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_drain, range(workers))
    elapsed = time.perf_counter() - started
    return todo, elapsed


def _drain(_n: int) -> None:
    from django.db import connections

    from settle.core import clock
    from settle.integrations.services import events_process

    connections.close_all()
    while events_process(now=clock.now(), limit=10_000):
        pass


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000, help="distinct signed orders to cycle through")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--process-workers", type=int, default=2)
    args = parser.parse_args()

    reset_database()
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from settle.integrations.models import InboundEvent
    from settle.integrations.services import connection_create
    from settle.ledger.models import Receivable
    from settle.merchants.services import merchant_create

    merchant = merchant_create(name="Bench Shop", slug="bench", country="US", default_currency="USD")
    connection_create(merchant=merchant, source="shopify", account="bench.myshopify.com",
                      secrets={"webhook_secret": SECRET})  # fmt: skip

    tmp = Path(tempfile.mkdtemp(prefix="settle-bench-"))
    datafile = tmp / "bodies.tsv"
    make_bodies(args.requests, datafile)
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "DATABASE_URL": DB_URL, "DEBUG": "false", "BENCH_SHOPIFY_SECRET": SECRET,
           "BENCH_MERCHANT_ID": str(merchant.pk), "LOG_LEVEL": "WARNING"}  # fmt: skip
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "bench_wsgi:application", "--pythonpath", f"{ROOT},{ROOT / 'bench'}",
         "-b", f"127.0.0.1:{port}", "--workers", str(args.gunicorn_workers), "--worker-class", "gthread",
         "--threads", "4", "--keep-alive", "5", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(3 * args.gunicorn_workers):  # warm every worker's connection and imports
            urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
        print(f"# {args.seconds} s per endpoint cycling {args.requests} distinct signed orders/create webhooks ({datafile.stat().st_size // args.requests} bytes each), "
              f"wrk -t{args.threads} -c{args.connections}, gunicorn --workers {args.gunicorn_workers}, PostgreSQL {DB}")  # fmt: skip
        # Warm both endpoints (imports, connection cache, DB connections) so neither pays for it when measured.
        wrk(f"{base}/hooks/shopify/bench/", datafile, "warm-settle", args.threads, args.connections, 2)
        wrk(f"{base}/bare-hook/", datafile, "warm-bare", args.threads, args.connections, 2)
        InboundEvent.objects.filter(delivery_id__startswith="warm-").delete()
        settle = wrk(
            f"{base}/hooks/shopify/bench/", datafile, "settle", args.threads, args.connections, args.seconds
        )
        bare = wrk(f"{base}/bare-hook/", datafile, "bare", args.threads, args.connections, args.seconds)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    stored = InboundEvent.objects.filter(status="received").count()
    print(f"ack  settle: {settle['rps']:.0f} req/s  p50 {settle['p50_us'] / 1000:.1f} ms  p99 {settle['p99_us'] / 1000:.1f} ms"
          f"  max {settle['max_us'] / 1000:.1f} ms  non-2xx {settle['non2xx']}  errors {settle['read_errors'] + settle['connect_errors'] + settle['timeouts']}  stored {stored}")  # fmt: skip
    print(f"ack  bare:   {bare['rps']:.0f} req/s  p50 {bare['p50_us'] / 1000:.1f} ms  p99 {bare['p99_us'] / 1000:.1f} ms"
          f"  max {bare['max_us'] / 1000:.1f} ms  non-2xx {bare['non2xx']}")  # fmt: skip
    print(f"ack  ratio settle/bare: {settle['rps'] / bare['rps']:.2f}")

    # Backlog: half with one worker process, then the rest with N (SKIP LOCKED shares the batches).
    half = stored // 2
    ids = list(
        InboundEvent.objects.filter(status="received").order_by("id").values_list("id", flat=True)[half:]
    )
    InboundEvent.objects.filter(pk__in=ids).update(status="held", held_for="bench")
    todo1, t1 = process_backlog(1)
    InboundEvent.objects.filter(pk__in=ids).update(status="received", held_for="")
    todoN, tN = process_backlog(args.process_workers)
    print(f"backlog 1 process:  {todo1} events in {t1:.2f} s = {todo1 / t1:.0f} events/s")
    print(
        f"backlog {args.process_workers} processes: {todoN} events in {tN:.2f} s = {todoN / tN:.0f} events/s"
    )
    processed = InboundEvent.objects.filter(status="processed").count()
    print(f"check: {processed} processed, {Receivable.objects.count()} receivables, "
          f"{InboundEvent.objects.filter(status='failed').count()} failed")  # fmt: skip


if __name__ == "__main__":
    main()
