"""`manage.py simulate --customers 1000 --days 120 --seed 1`: the real engine on a synthetic population.

Customers pay, promise, dispute, opt out or ignore with probabilities that depend on their segment, the tone
and the channel of each contact. The run is repeated with one fixed ladder for everyone, and everything is
rolled back at the end: the database is left as it was.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from settle.cases.engine import advance_due_cases
from settle.cases.models import Case, Strategy
from settle.cases.services import strategy_save
from settle.communications.models import Message
from settle.core import clock
from settle.core.money import Money
from settle.customers.models import ContactPreference
from settle.customers.services import customer_create
from settle.ledger.models import Receivable
from settle.ledger.services import payment_record, receivable_create
from settle.merchants.services import merchant_create
from settle.policy.audit import audit
from settle.policy.rules import jurisdiction_for
from settle.workdesk.models import Task

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
PLACES = [("PL", "", "", "Europe/Warsaw", "pl"), ("PL", "", "", "Europe/Warsaw", "pl"), ("DE", "BY", "", "Europe/Berlin", "de"),
          ("GB", "", "", "Europe/London", "en"), ("RU", "", "", "Europe/Moscow", "ru"), ("RU", "", "", "Asia/Vladivostok", "ru"),
          ("US", "NY", "New York", "America/New_York", "en"), ("US", "MA", "Boston", "America/New_York", "en"),
          ("US", "CA", "Los Angeles", "America/Los_Angeles", "en"), ("FR", "", "", "Europe/Paris", "en"),
          ("ES", "", "", "Europe/Madrid", "en"), ("UA", "", "", "Europe/Kyiv", "ru"), ("IT", "", "", "Europe/Rome", "en"),
          ("JP", "", "", "Asia/Tokyo", "en")]  # fmt: skip
BASE_PAY = {"loyal_first_late": 0.30, "standard": 0.16, "new": 0.12, "repeat_late": 0.07, "business": 0.15,
            "high_value": 0.14}  # fmt: skip
TONE = {("gentle", "loyal_first_late"): 1.3, ("gentle", "new"): 1.15, ("gentle", "repeat_late"): 0.7,
        ("firm", "repeat_late"): 1.4, ("firm", "loyal_first_late"): 0.6, ("final_notice", "repeat_late"): 1.5,
        ("final_notice", "standard"): 1.2}  # fmt: skip
CHANNEL = {"sms": 1.25, "email": 1.0, "letter": 0.9, "portal": 0.5, "webhook": 1.1}
OPT_OUT = {"gentle": 0.005, "neutral": 0.01, "firm": 0.03, "final_notice": 0.02}


class Command(BaseCommand):
    help = "Simulate the engine on a synthetic population and compare with one fixed ladder (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1000)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--tick-hours", type=int, default=6)

    def handle(self, *args, customers, days, seed, tick_hours, **opts):
        results = {}
        for label, fixed in (("personalised", False), ("fixed ladder", True)):
            t0 = time.perf_counter()
            with transaction.atomic():
                results[label] = self.run(customers, days, seed, tick_hours, fixed)
                transaction.set_rollback(True)
            results[label]["seconds"] = time.perf_counter() - t0
        self.stdout.write(
            f"simulate: {customers} customers, {days} days, seed {seed}, tick every {tick_hours} h"
        )
        for label, r in results.items():
            per = r["contacts"] / r["recovered_customers"] if r["recovered_customers"] else float("nan")
            self.stdout.write(
                f"{label:>13}: recovered {r['recovered_minor'] / 100:,.2f} of {r['owed_minor'] / 100:,.2f} "
                f"({r['recovered_minor'] / r['owed_minor']:.1%}), {r['recovered_customers']} customers paid in full, "
                f"{r['contacts']} contacts ({per:.2f} per recovered customer), {r['tasks']} collector tasks, "
                f"{r['opt_outs']} opt-outs, {r['disputes']} disputes, violations {r['violations']} "
                f"[{r['seconds']:.0f} s]"
            )  # fmt: skip
        a, b = results["personalised"], results["fixed ladder"]
        self.stdout.write(f"difference: recovered {(a['recovered_minor'] - b['recovered_minor']) / 100:+,.2f}, "
                          f"opt-outs {a['opt_outs'] - b['opt_outs']:+d}, contacts {a['contacts'] - b['contacts']:+d}")  # fmt: skip

    def run(self, n: int, days: int, seed: int, tick_hours: int, fixed: bool) -> dict:
        rng = random.Random(seed)
        with clock.frozen(START):
            merchant = merchant_create(name="Simulated shop", slug=f"sim-{seed}-{int(fixed)}", country="PL",
                                       default_currency="EUR", timezone="Europe/Warsaw")  # fmt: skip
            if fixed:
                Strategy.objects.filter(merchant__isnull=True).update(is_active=False)
                standard = Strategy.objects.get(merchant__isnull=True, slug="standard-consumer")
                strategy_save(merchant=merchant, steps=standard.current_version.steps, at=START, name="Fixed ladder",
                              segments=[])  # fmt: skip
            owed = 0
            people = []
            for i in range(n):
                country, region, city, tz, locale = rng.choice(PLACES)
                kind = "business" if rng.random() < 0.15 else "consumer"
                c = customer_create(merchant=merchant, name=f"Sim {i}", kind=kind, country=country, region=region,
                                    city=city, timezone=tz, locale=locale, email=f"s{i}@example.com",
                                    phone="+48 601 234 567" if rng.random() < 0.6 else "",
                                    external_id=f"s{i}", orders_count=rng.choice([0, 1, 2, 4, 6, 9, 15]))  # fmt: skip
                for k in range(rng.choice([0, 0, 0, 1, 2, 3])):  # earlier lateness this year
                    Case.objects.create(merchant=merchant, customer=c, currency="USD", opened_at=START - timedelta(days=30 * (k + 1)),
                                        closed_at=START - timedelta(days=30 * k + 1), outcome="paid",
                                        overdue_since=(START - timedelta(days=30 * k + 10)).date())  # fmt: skip
                for r in range(rng.choice([1, 1, 2, 3])):
                    amount = rng.choice([1500, 4900, 12000, 35000, 90000, 600000])
                    due = (START + timedelta(days=rng.randint(-10, 30))).date()
                    receivable_create(merchant=merchant, customer=c, external_id=f"s{i}-{r}", amount=Money(amount, "EUR"),
                                      due_date=due, issued_at=START - timedelta(days=30))  # fmt: skip
                    owed += amount
                people.append(c)
        by_id = {c.pk: c for c in people}
        segment_of = {}
        stats = defaultdict(int)
        stats["owed_minor"] = owed
        promises: dict[int, datetime] = {}
        now = START
        end = START + timedelta(days=days)
        while now < end:
            with clock.frozen(now):
                advance_due_cases(now)
                segment_of.update(
                    dict(
                        Case.objects.filter(merchant=merchant)
                        .exclude(segment="")
                        .values_list("id", "segment")
                    )
                )
                for m in Message.objects.filter(
                    merchant=merchant, status="queued", not_before__lte=now
                ).select_related("case"):
                    Message.objects.filter(pk=m.pk).update(status="sent", sent_at=m.not_before)
                    stats["contacts"] += 1
                    seg = segment_of.get(m.case_id, "standard")
                    p = BASE_PAY.get(seg, 0.15) * TONE.get((m.tone, seg), 1.0) * CHANNEL.get(m.channel, 1.0)
                    roll = rng.random()
                    if roll < p:
                        self._pay(merchant, by_id[m.customer_id], m.not_before, stats)
                    elif roll < p + 0.06:
                        promises[m.customer_id] = m.not_before + timedelta(days=rng.randint(2, 10))
                    elif roll < p + 0.06 + 0.015:
                        stats["disputes"] += 1
                        Case.objects.filter(pk=m.case_id).update(
                            paused_until=now + timedelta(days=21), pause_reason="dispute"
                        )
                    elif roll < p + 0.075 + OPT_OUT.get(m.tone, 0.01) * (1.5 if m.channel == "sms" else 1.0):
                        stats["opt_outs"] += 1
                        ContactPreference.objects.update_or_create(
                            merchant=merchant, customer_id=m.customer_id, channel=m.channel,
                            defaults={"opted_out_at": now, "source": "simulation"})  # fmt: skip
                for customer_id, when in list(promises.items()):
                    if when <= now:
                        del promises[customer_id]
                        if rng.random() < 0.65:
                            self._pay(merchant, by_id[customer_id], now, stats)
                for t in Task.objects.filter(merchant=merchant, status="open", due_at__lte=now):
                    stats["tasks"] += 1
                    Task.objects.filter(pk=t.pk).update(status="done", closed_at=now)
                    if rng.random() < 0.25:
                        self._pay(merchant, by_id[t.customer_id], now, stats)
            now += timedelta(hours=tick_hours)
        sent = defaultdict(list)
        for cid, at, ch in Message.objects.filter(merchant=merchant, status="sent").values_list(
            "customer_id", "sent_at", "channel"
        ):
            sent[cid].append((at, ch))
        for cid, contacts in sent.items():
            c = by_id[cid]
            stats["violations"] += len(
                audit(jurisdiction_for(c.country, c.region, c.city), c.kind, c.timezone, contacts)
            )
        stats["recovered_customers"] = sum(
            1
            for c in people
            if not Receivable.objects.filter(customer=c, balance_minor__gt=0, status="open").exists()
        )
        return defaultdict(int, stats)

    def _pay(self, merchant, customer, at, stats):
        owed = sum(
            Receivable.objects.filter(customer=customer, status="open").values_list(
                "balance_minor", flat=True
            )
        )
        if owed <= 0:
            return
        with clock.frozen(at):
            payment_record(merchant=merchant, customer=customer, amount=Money(owed, "EUR"),
                           external_id=f"pay-{customer.pk}-{stats['payments']}")  # fmt: skip
        stats["payments"] += 1
        stats["recovered_minor"] += owed
