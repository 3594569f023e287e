"""Demo data for Settle: the merchant "Acme Outdoor" and 18 months of its customers' orders and payments.

Everything is drawn from one `random.Random(seed)` and Faker instances seeded from it, relative to the start
of the clock's current UTC day: the same seed on the same day (or with the same `SETTLE_NOW`) gives identical
data, which `demo_digest` proves — on SQLite and PostgreSQL alike. Customers go through `customer_create` (validation, E.164 phones). The ledger rows take
one of two paths with identical results (a test loads a small demo both ways and compares digests):
`ServiceWriter` calls the ledger services (receivable_create, payment_record, credit_note_record) row by row;
`BulkWriter`, the default, builds the same receivables, payments and append-only entries in memory and
writes them with a few bulk inserts, so the demo loads in seconds. The bulk path is exact here because every
demo payment names its receivable and never exceeds its balance, and a fresh merchant has no cases to touch.

Distributions (per customer unless said otherwise)
--------------------------------------------------
- Country: PL 34 %, DE 20 %, GB 14 %, US 16 %, RU 8 %, UA 8 %. Each country sells in its currency (PLN, EUR,
  GBP, USD, RUB, UAH). City, region (US states) and IANA timezone come from a list of real cities, e.g.
  Yekaterinburg (Asia/Yekaterinburg), Denver CO (America/Denver); names from Faker's pl_PL, de_DE, en_GB,
  en_US, ru_RU and uk_UA locales; mobile phones valid E.164 for the country; locale pl/de/en/ru (UA: ru or en).
- Segment (what later issues' segmentation should find):
  - loyal 52 %: 3–6 orders, each paid 0–10 days before its due date, except exactly one paid 4–20 days late;
  - occasional 14 %: 2–4 orders; 25 % of them paid 1–15 days late;
  - habitual late payer 14 %: 3–7 orders; 75 % paid 12–75 days late, so recent ones are still open;
  - B2B 14 % (kind=business, company name, tax id): 4–9 invoices on net_30 (60 %) or net_60 terms, paid from
    10 days early to 45 days late;
  - partial payer 4 %: 3–5 orders, each paid in 2–3 instalments, the last one 30 % of the time not yet paid;
  - disputer 2 %: 2–4 orders, one disputed: the receivable's description starts "Disputed:" with the reason,
    it stays unpaid, and for half of them a partial credit note (20–50 %) settles part of the claim; the
    case history (`history.py`) turns each into a `Dispute` (upheld with that credit, or still open).
- Cases: rebuilt from the ledger timeline after the writes (`history.py`), so segments find real lateness.
- Orders: issued uniformly over the 18 months before now; consumer orders due 14 days after issue
  (pay-later terms); amounts log-uniform 40–900 (consumer) or 600–15,000 (B2B) in EUR-equivalents, scaled per
  currency and rounded to whole units. An order whose payment date falls after now stays open, which fills
  the current and 1–30 … 90+ aging buckets.
- Logins: `demo` / `settle-demo` (owner) and `demo-viewer` / `settle-demo` (viewer).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from django.db import transaction
from faker import Faker

from settle.core import clock
from settle.core.money import Money
from settle.customers.models import Customer
from settle.customers.services import customer_create
from settle.demo.history import case_history
from settle.ledger.models import EntryKind, LedgerEntry, Payment, Receivable, ReceivableStatus
from settle.ledger.services import credit_note_record, payment_record, receivable_create
from settle.merchants.models import Merchant, Role
from settle.merchants.services import merchant_create, user_create_with_membership

DEMO_SLUG = "acme-outdoor"
DEMO_PASSWORD = "settle-demo"
DEMO_LOGINS = (("demo", Role.OWNER), ("demo-viewer", Role.VIEWER))
HISTORY_DAYS = 548  # 18 months

# country: (weight, currency, EUR→currency factor, Faker locale, customer locales, [(city, region, tz)])
COUNTRIES = {
    "PL": (34, "PLN", 4.3, "pl_PL", ("pl",), [
        ("Warszawa", "", "Europe/Warsaw"), ("Kraków", "", "Europe/Warsaw"), ("Gdańsk", "", "Europe/Warsaw"),
        ("Wrocław", "", "Europe/Warsaw"), ("Poznań", "", "Europe/Warsaw"), ("Łódź", "", "Europe/Warsaw"),
        ("Lublin", "", "Europe/Warsaw"), ("Szczecin", "", "Europe/Warsaw")]),
    "DE": (20, "EUR", 1.0, "de_DE", ("de",), [
        ("Berlin", "", "Europe/Berlin"), ("München", "", "Europe/Berlin"), ("Hamburg", "", "Europe/Berlin"),
        ("Köln", "", "Europe/Berlin"), ("Frankfurt am Main", "", "Europe/Berlin"), ("Leipzig", "", "Europe/Berlin"),
        ("Freiburg im Breisgau", "", "Europe/Berlin")]),
    "GB": (14, "GBP", 0.85, "en_GB", ("en",), [
        ("London", "", "Europe/London"), ("Manchester", "", "Europe/London"), ("Edinburgh", "", "Europe/London"),
        ("Bristol", "", "Europe/London"), ("Leeds", "", "Europe/London"), ("Cardiff", "", "Europe/London"),
        ("Inverness", "", "Europe/London")]),
    "US": (16, "USD", 1.1, "en_US", ("en",), [
        ("New York", "NY", "America/New_York"), ("Boston", "MA", "America/New_York"),
        ("Chicago", "IL", "America/Chicago"), ("Austin", "TX", "America/Chicago"),
        ("Denver", "CO", "America/Denver"), ("Phoenix", "AZ", "America/Phoenix"),
        ("Seattle", "WA", "America/Los_Angeles"), ("San Francisco", "CA", "America/Los_Angeles"),
        ("Anchorage", "AK", "America/Anchorage"), ("Honolulu", "HI", "Pacific/Honolulu")]),
    "RU": (8, "RUB", 95.0, "ru_RU", ("ru",), [
        ("Москва", "", "Europe/Moscow"), ("Санкт-Петербург", "", "Europe/Moscow"), ("Казань", "", "Europe/Moscow"),
        ("Екатеринбург", "", "Asia/Yekaterinburg"), ("Новосибирск", "", "Asia/Novosibirsk"),
        ("Владивосток", "", "Asia/Vladivostok"), ("Калининград", "", "Europe/Kaliningrad")]),
    "UA": (8, "UAH", 45.0, "uk_UA", ("ru", "en"), [
        ("Київ", "", "Europe/Kyiv"), ("Львів", "", "Europe/Kyiv"), ("Одеса", "", "Europe/Kyiv"),
        ("Харків", "", "Europe/Kyiv"), ("Дніпро", "", "Europe/Kyiv")]),
}  # fmt: skip

SEGMENTS = (("loyal", 52), ("occasional", 14), ("habitual_late", 14), ("b2b", 14), ("partial", 4),
            ("disputer", 2))  # fmt: skip
DISPUTE_REASONS = ("item arrived damaged", "goods not received", "wrong size delivered", "charged twice")
PRODUCTS = ("tent", "sleeping bag", "hiking boots", "rain jacket", "backpack", "trekking poles", "stove",
            "headlamp", "down vest", "kayak paddle")  # fmt: skip


@dataclass
class DemoResult:
    merchant: Merchant
    customers: int
    receivables: int
    payments: int
    digest: str


def _weighted(rng: random.Random, pairs):
    keys = [k for k, _ in pairs]
    return rng.choices(keys, weights=[w for _, w in pairs])[0]


def _phone(rng: random.Random, country: str) -> str:
    """A valid mobile number for the country: the national example with randomised trailing digits."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    for _ in range(20):
        candidate = national[:-5] + "".join(str(rng.randrange(10)) for _ in range(5))
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _amount(rng: random.Random, low_eur: float, high_eur: float, factor: float, currency: str) -> Money:
    eur = math.exp(rng.uniform(math.log(low_eur), math.log(high_eur)))
    return Money(max(1, round(eur * factor)) * 100, currency)


def _day_at(rng: random.Random, day: datetime) -> datetime:
    return day.replace(hour=rng.randrange(7, 21), minute=rng.randrange(60), second=0, microsecond=0)


class ServiceWriter:
    """Writes through the ledger services, one call per fact (the reference path)."""

    def receivable(self, **fields) -> Receivable:
        return receivable_create(**fields)

    def payment(self, *, receivable: Receivable, **fields) -> None:
        payment_record(receivable=receivable, **fields)

    def credit_note(self, *, receivable: Receivable, amount: Money, at: datetime, memo: str) -> None:
        credit_note_record(receivable=receivable, amount=amount, at=at, memo=memo)

    def flush(self) -> None:
        pass


class BulkWriter:
    """Builds the rows the services would write and inserts them in bulk at `flush` (the fast path)."""

    def __init__(self) -> None:
        self.receivables: list[Receivable] = []
        self.payments: list[Payment] = []
        self.entries: list[LedgerEntry] = []

    def _entry(self, receivable: Receivable, kind: str, minor: int, at: datetime, **kw) -> None:
        self.entries.append(LedgerEntry(
            merchant_id=receivable.merchant_id, customer=receivable.customer, receivable=receivable, kind=kind,
            currency=receivable.currency, amount_minor=minor, effective_at=at, **kw,
        ))  # fmt: skip

    def _reduce(self, receivable: Receivable, minor: int, at: datetime) -> None:
        if not 0 < minor <= receivable.balance_minor:
            raise ValueError("the bulk path only takes payments within the open balance")
        receivable.balance_minor -= minor
        if receivable.balance_minor == 0:
            receivable.status, receivable.closed_at = ReceivableStatus.PAID, at

    def receivable(self, *, merchant, customer, external_id, amount: Money, due_date, issued_at, source, number,
                   terms, description) -> Receivable:  # fmt: skip
        receivable = Receivable(
            merchant=merchant, customer=customer, source=source, external_id=external_id, number=number,
            currency=amount.currency, amount_minor=amount.minor, balance_minor=amount.minor, issued_at=issued_at,
            due_date=due_date, terms=terms, description=description,
        )  # fmt: skip
        self.receivables.append(receivable)
        self._entry(receivable, EntryKind.CHARGE, amount.minor, issued_at)
        return receivable

    def payment(self, *, merchant, customer, amount: Money, external_id, received_at, source, method,
                receivable: Receivable) -> None:  # fmt: skip
        payment = Payment(
            merchant=merchant, customer=customer, source=source, external_id=external_id, currency=amount.currency,
            amount_minor=amount.minor, unallocated_minor=0, method=method, received_at=received_at,
        )  # fmt: skip
        self.payments.append(payment)
        self._reduce(receivable, amount.minor, received_at)
        self._entry(receivable, EntryKind.PAYMENT, -amount.minor, received_at, payment=payment)

    def credit_note(self, *, receivable: Receivable, amount: Money, at: datetime, memo: str) -> None:
        self._reduce(receivable, amount.minor, at)
        self._entry(receivable, EntryKind.CREDIT_NOTE, -amount.minor, at, memo=memo)

    def flush(self) -> None:
        Receivable.objects.bulk_create(self.receivables, batch_size=500)
        Payment.objects.bulk_create(self.payments, batch_size=500)
        for entry in self.entries:  # the related rows have their ids now
            entry.receivable_id = entry.receivable.pk
            entry.payment_id = entry.payment.pk if entry.payment else None
        LedgerEntry.objects.bulk_create(self.entries, batch_size=500)


def demo_load(
    *, seed: int, customers: int = 520, slug: str = DEMO_SLUG, logins: bool = True, bulk: bool = True
) -> DemoResult:
    """Create the demo merchant with its history; one transaction, so a failure leaves nothing behind."""
    rng = random.Random(seed)
    fakers = {}
    for country, (_w, _c, _f, faker_locale, _l, _cities) in COUNTRIES.items():
        fakers[country] = Faker(faker_locale)
        fakers[country].seed_instance(rng.randrange(2**32))
    # History is anchored at the start of today (UTC): the same seed gives the same data all day long, and
    # nothing is dated in the future of the clock.
    now = clock.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = now - timedelta(days=HISTORY_DAYS)
    country_weights = [(c, spec[0]) for c, spec in COUNTRIES.items()]
    with transaction.atomic():
        merchant = merchant_create(
            name="Acme Outdoor", slug=slug, country="PL", default_currency="PLN", timezone="Europe/Warsaw",
            locales=["en", "pl", "de", "ru"], legal_name="Acme Outdoor Sp. z o.o.",
            legal_address="ul. Górska 12, 31-000 Kraków, Polska", support_email="help@acme-outdoor.example",
            sender_name="Acme Outdoor",
        )  # fmt: skip
        if logins:
            for username, role in DEMO_LOGINS:
                user_create_with_membership(
                    merchant=merchant, username=username, password=DEMO_PASSWORD, role=role
                )
        counters = {"order": 10_000, "invoice": 0, "payment": 0}
        writer = BulkWriter() if bulk else ServiceWriter()
        for n in range(customers):
            country = _weighted(rng, country_weights)
            _w, currency, factor, _fl, locales, cities = COUNTRIES[country]
            segment = _weighted(rng, SEGMENTS)
            _customer_history(writer, rng, fakers[country], merchant, n, country, currency, factor, locales,
                              cities, segment, start, now, counters)  # fmt: skip
        writer.flush()
        case_history(merchant=merchant, now=clock.now())
    return DemoResult(
        merchant=merchant,
        customers=Customer.objects.filter(merchant=merchant).count(),
        receivables=Receivable.objects.filter(merchant=merchant).count(),
        payments=Payment.objects.filter(merchant=merchant).count(),
        digest=demo_digest(merchant),
    )


def _customer_history(writer, rng, fake, merchant, n, country, currency, factor, locales, cities, segment, start, now,
                      counters) -> None:  # fmt: skip
    city, region, tz = rng.choice(cities)
    business = segment == "b2b"
    person = fake.name()
    company = fake.company() if business else ""
    order_count = {"loyal": (3, 6), "occasional": (2, 4), "habitual_late": (3, 7), "b2b": (4, 9),
                   "partial": (3, 5), "disputer": (2, 4)}[segment]  # fmt: skip
    count = rng.randint(*order_count)
    issued = sorted(
        _day_at(rng, start + timedelta(days=rng.uniform(0, HISTORY_DAYS - 3))) for _ in range(count)
    )
    email_user = f"{fake.user_name()}{n}"
    customer = customer_create(
        merchant=merchant, name=company or person, kind="business" if business else "consumer",
        company_name=company, tax_id=f"{country}{rng.randrange(10**9, 10**10)}" if business else "",
        country=country, region=region, city=city, timezone=tz, locale=rng.choice(locales),
        email=f"{email_user}@{'example.com' if not business else 'example.org'}".lower(),
        phone=_phone(rng, country), source="shopify" if not business else "csv", external_id=f"demo-c-{n:04d}",
        orders_count=count, first_order_at=issued[0],
    )  # fmt: skip
    late_once = rng.randrange(count)
    disputed = rng.randrange(count) if segment == "disputer" else -1
    net = 30 if rng.random() < 0.6 else 60
    for i, at in enumerate(issued):
        if business:
            counters["invoice"] += 1
            number = f"INV-{at.year}-{counters['invoice']:05d}"
            amount = _amount(rng, 600, 15_000, factor, currency)
            terms, due = f"net_{net}", (at + timedelta(days=net)).date()
            description = f"Wholesale: {rng.randint(5, 60)} × {rng.choice(PRODUCTS)}"
        else:
            counters["order"] += 1
            number = f"#{counters['order']}"
            amount = _amount(rng, 40, 900, factor, currency)
            terms, due = "net_14", (at + timedelta(days=14)).date()
            description = f"{rng.choice(PRODUCTS)}, {rng.choice(PRODUCTS)}"
        if i == disputed:
            description = f"Disputed: {rng.choice(DISPUTE_REASONS)} — {description}"
        receivable = writer.receivable(
            merchant=merchant, customer=customer, external_id=number.lstrip("#"), number=number, amount=amount,
            due_date=due, issued_at=at, source="csv" if business else "shopify", terms=terms,
            description=description[:500],
        )  # fmt: skip
        due_at = datetime(due.year, due.month, due.day, 12, tzinfo=UTC)
        if i == disputed:
            if rng.random() < 0.5:
                share = rng.randint(20, 50)
                credit = Money(amount.minor * share // 100, currency)
                credit_at = due_at + timedelta(days=rng.randint(5, 30))
                if credit_at < now:
                    writer.credit_note(receivable=receivable, amount=credit, at=credit_at,
                                       memo=f"dispute settled: {share} % credited")  # fmt: skip
            continue
        delay = _delay(rng, segment, i == late_once)
        parts = [amount]
        if segment == "partial":
            parts = amount.allocate([rng.randint(1, 3) for _ in range(rng.randint(2, 3))])
            if rng.random() < 0.3:
                parts = parts[:-1]  # the last instalment is still owed
        for k, part in enumerate(parts):
            paid_at = _day_at(rng, due_at + timedelta(days=delay + 9 * k))
            if paid_at > now or paid_at < at:
                paid_at = max(paid_at, at + timedelta(hours=1))
                if paid_at > now:
                    break
            counters["payment"] += 1
            writer.payment(
                merchant=merchant, customer=customer, amount=part, external_id=f"demo-p-{counters['payment']:06d}",
                received_at=paid_at, source="shopify" if not business else "csv", receivable=receivable,
                method=rng.choice(("card", "bank transfer", "paypal", "blik" if country == "PL" else "card")),
            )  # fmt: skip


def _delay(rng: random.Random, segment: str, late_once: bool) -> int:
    """Days after the due date the customer pays (negative: early)."""
    if segment == "loyal":
        return rng.randint(4, 20) if late_once else -rng.randint(0, 10)
    if segment == "occasional":
        return rng.randint(1, 15) if rng.random() < 0.25 else -rng.randint(0, 7)
    if segment == "habitual_late":
        return rng.randint(12, 75) if rng.random() < 0.75 else rng.randint(-3, 5)
    if segment == "b2b":
        return rng.randint(-10, 45)
    return rng.randint(-5, 20)


def demo_digest(merchant: Merchant) -> str:
    """SHA-256 over the merchant's data in a canonical order, free of database ids and creation times."""
    h = hashlib.sha256()
    for row in Customer.objects.filter(merchant=merchant).order_by("external_id").values_list(
        "external_id", "kind", "name", "company_name", "country", "region", "city", "timezone", "locale",
        "orders_count", "first_order_at",
    ):  # fmt: skip
        h.update(repr(row).encode())
    for row in (
        Customer.objects.filter(merchant=merchant)
        .order_by("external_id", "contact_points__kind", "contact_points__value")
        .values_list("external_id", "contact_points__kind", "contact_points__value")
    ):
        h.update(repr(row).encode())
    for row in Receivable.objects.filter(merchant=merchant).order_by("external_id").values_list(
        "external_id", "customer__external_id", "number", "currency", "amount_minor", "balance_minor",
        "issued_at", "due_date", "terms", "status", "description",
    ):  # fmt: skip
        h.update(repr(row).encode())
    for row in Payment.objects.filter(merchant=merchant).order_by("external_id").values_list(
        "external_id", "customer__external_id", "currency", "amount_minor", "unallocated_minor", "received_at",
    ):  # fmt: skip
        h.update(repr(row).encode())
    for row in (
        LedgerEntry.objects.filter(merchant=merchant)
        .order_by("customer__external_id", "effective_at", "kind", "receivable__external_id", "amount_minor")
        .values_list(
            "customer__external_id", "effective_at", "kind", "receivable__external_id", "amount_minor"
        )
    ):
        h.update(repr(row).encode())
    return h.hexdigest()
