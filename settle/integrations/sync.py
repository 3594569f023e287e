"""What every source plugin shares when it turns a payload into ledger facts.

Plugins never write domain rows themselves: customers go through `settle.customers.services`, money through
`settle.ledger.services`. This module adds the three things every source needs on top: parsing money and
time with a field-named error, refusing stale events (`claim_version`), and bringing a receivable in line
with what the source says is still owed (`receivable_sync`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError
from django.db import connection as db_connection
from django.db.models import Sum

from settle.core.money import InexactAmount, Money, UnknownCurrency, validate_currency
from settle.customers.models import ContactKind, ContactPoint, Customer
from settle.customers.services import contact_point_add, customer_create, customer_update
from settle.customers.validation import FieldError, clean_country, clean_email, clean_phone
from settle.ledger.models import Payment, Receivable, ReceivableStatus
from settle.ledger.services import (
    DuplicateExternalId,
    LedgerError,
    payment_record,
    receivable_adjust,
    receivable_cancel,
    receivable_create,
    receivable_upsert,
)
from settle.merchants.models import Merchant

from .models import Connection, InboundEvent, SyncedObject


class MappingError(Exception):
    """The payload cannot be mapped: the event is marked failed with the field and reason, replayable later."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Held(Exception):
    """The event refers to an object Settle has not seen yet; it waits and is processed when that arrives."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Result:
    status: str  # processed / skipped / ignored
    outcome: str
    releases: tuple[str, ...] = ()  # keys of held events this one may unblock


@dataclass(frozen=True)
class NewDebt:
    """What an event means when it is the first Settle hears of an object and it is simply an open debt:
    a customer (`customer_for`'s arguments), a receivable owing its full amount, and the sync row that keeps
    the version. Anything else (an update, a payment, a skip, an error) is not a NewDebt and goes one by one.
    """

    kind: str  # the sync row's kind, e.g. "order"
    external_id: str
    version: datetime | None
    customer: dict
    amount: Money
    due_date: date
    issued_at: datetime
    number: str
    terms: str
    description: str
    data: dict  # the sync row's data
    releases: tuple[str, ...] = ()
    write_back: tuple[str, dict] | None = None  # (action, payload) queued for the shop with it
    outcome_suffix: str = ""  # added to the event's outcome after "receivable N: balance due date"

    def customer_key(self) -> str:
        return self.customer["external_id"]


@dataclass
class Context:
    merchant: Merchant
    connection: Connection | None
    event: InboundEvent
    now: datetime
    # (kind, external_id) sync rows that existed when the batch was claimed, for the external ids the batch's
    # payloads name (`known_ids`); None outside a batch. Only a hint for which lookup to run first.
    synced_present: set[tuple[str, str]] | None = None
    known_ids: frozenset[str] = frozenset()

    @property
    def source(self) -> str:
        return self.event.source

    def setting(self, name: str, default=None):
        if self.connection is None:
            return default
        return self.connection.settings.get(name, default)


# --- parsing -------------------------------------------------------------------------------------------
def parse_currency(value, field: str) -> str:
    try:
        return validate_currency(str(value or "").upper())
    except UnknownCurrency as exc:
        raise MappingError(field, f"unknown currency {value!r}: {exc}") from None


def parse_decimal_money(value, currency: str, field: str) -> Money:
    """Shopify/WooCommerce money: a decimal string in major units ("404.95"); never through float."""
    if isinstance(value, float | bool) or value is None:
        raise MappingError(field, f"expected a decimal string, got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(field, f"not a decimal amount: {value!r}") from None
    if not amount.is_finite():
        raise MappingError(field, f"not a finite amount: {value!r}")
    try:
        return Money.from_decimal(amount, currency)
    except InexactAmount as exc:
        raise MappingError(field, str(exc)) from None


def parse_minor_money(value, currency: str, field: str) -> Money:
    """Stripe money: an integer of minor units."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(field, f"expected an integer of minor units, got {value!r}")
    return Money(value, currency)


def parse_time(value, field: str, *, assume_utc: bool = False) -> datetime:
    """ISO 8601 with an offset; `assume_utc` for WooCommerce's offset-less *_gmt fields."""
    if not isinstance(value, str) or not value:
        raise MappingError(field, f"expected an ISO 8601 time, got {value!r}")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MappingError(field, f"not an ISO 8601 time: {value!r}") from None
    if at.tzinfo is None:
        if not assume_utc:
            raise MappingError(field, f"time without an offset: {value!r}")
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def parse_unix(value, field: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(field, f"expected Unix seconds, got {value!r}")
    return datetime.fromtimestamp(value, tz=UTC)


# --- ordering ------------------------------------------------------------------------------------------
def synced(ctx: Context, kind: str, external_id: str) -> SyncedObject | None:
    return SyncedObject.objects.filter(
        merchant=ctx.merchant, source=ctx.source, kind=kind, external_id=external_id
    ).first()


def claim_version(ctx: Context, kind: str, external_id: str, version: datetime | None) -> SyncedObject | None:
    """Lock the object's sync row; None when `version` is older than what was applied (a stale event).

    An equal version is allowed through: that is a replay, and every mapping below is idempotent.
    """
    lookup = {"merchant": ctx.merchant, "source": ctx.source, "kind": kind, "external_id": external_id}
    # A row the batch's prefetch did not find is most likely new: insert first, saving a failed lookup. Either
    # way the row ends up locked and read once it exists, so the hint never changes the outcome.
    likely_new = (
        ctx.synced_present is not None
        and external_id in ctx.known_ids
        and (kind, external_id) not in ctx.synced_present
    )
    obj = _insert_new(lookup) if likely_new else None
    if obj is None and not likely_new:
        obj = SyncedObject.objects.select_for_update().filter(**lookup).first()
    if obj is None:
        # INSERT … ON CONFLICT DO NOTHING: no savepoint, and a row another worker just made is simply reused.
        SyncedObject.objects.bulk_create([SyncedObject(**lookup)], ignore_conflicts=True)
        obj = SyncedObject.objects.select_for_update().get(**lookup)
    if version is not None and obj.version is not None and version < obj.version:
        return None
    if version is not None:
        obj.version = version
    return obj


_INSERT_NEW = """
INSERT INTO integrations_syncedobject (merchant_id, source, kind, external_id, version, state, note, data,
    receivable_id, customer_id, recheck_at, updated_at)
VALUES (%s, %s, %s, %s, NULL, '', '', '{}'::jsonb, NULL, NULL, NULL, %s)
ON CONFLICT (merchant_id, source, kind, external_id) DO NOTHING
RETURNING id
"""


def _insert_new(lookup: dict) -> SyncedObject | None:
    """PostgreSQL: insert the empty sync row and keep it (our uncommitted insert holds it as a lock would);
    None when it already exists (the caller then locks and reads the stored row)."""
    if db_connection.vendor != "postgresql":
        return None
    obj = SyncedObject(**lookup)
    updated_at = SyncedObject._meta.get_field("updated_at").pre_save(obj, add=True)
    with db_connection.cursor() as cursor:
        cursor.execute(_INSERT_NEW, [obj.merchant_id, obj.source, obj.kind, obj.external_id, updated_at])
        row = cursor.fetchone()
    if row is None:
        return None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = db_connection.alias
    return obj


def save_synced(obj: SyncedObject, *, state: str, note: str = "", **fields) -> None:
    obj.state = state
    obj.note = note[:300]
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.save()


# --- customers -----------------------------------------------------------------------------------------
def customer_for(
    ctx: Context,
    *,
    external_id: str,
    name: str,
    email: str = "",
    phone: str = "",
    country: str = "",
    region: str = "",
    city: str = "",
    locale: str = "",
    update: bool = False,
) -> Customer:
    """Find the source's customer or create it; contact data that does not validate is left out, not fatal."""
    customer = Customer.objects.filter(
        merchant=ctx.merchant, source=ctx.source, external_id=external_id
    ).first()
    fields = new_customer_fields(ctx.source, external_id=external_id, name=name, email=email, phone=phone,
                                 country=country, region=region, city=city, locale=locale)  # fmt: skip
    if customer is None:
        try:
            return customer_create(merchant=ctx.merchant, **fields)
        except FieldError as exc:
            if exc.field == "external_id":  # created by another worker at the same moment
                return Customer.objects.get(merchant=ctx.merchant, source=ctx.source, external_id=external_id)
            if exc.field != "locale":
                raise MappingError(exc.field, exc.reason) from None
            fields.pop("locale")
            return customer_create(merchant=ctx.merchant, **fields)
        except IntegrityError:  # created by another worker at the same moment (its savepoint is rolled back)
            return Customer.objects.get(merchant=ctx.merchant, source=ctx.source, external_id=external_id)
    if update and customer.erased_at is None:
        changes = {"name": fields["name"]}
        if fields["country"]:
            changes.update(country=fields["country"], region=fields["region"], city=fields["city"])
        customer_update(customer=customer, **changes)
    if customer.erased_at is None and (email or phone):
        known = set(ContactPoint.objects.filter(customer=customer).values_list("kind", "value"))
        _add_contact(customer, ContactKind.EMAIL, email, known)
        _add_contact(customer, ContactKind.PHONE, phone, known)
    return customer


def new_customer_fields(
    source: str,
    *,
    external_id: str,
    name: str,
    email: str = "",
    phone: str = "",
    country: str = "",
    region: str = "",
    city: str = "",
    locale: str = "",
) -> dict:
    """`customer_create`'s arguments for a customer first seen in a payload: the country kept only if valid,
    a name always, contacts that do not validate left out (shared by the one-by-one and the batch path)."""
    try:
        country = clean_country(country)
    except FieldError:
        country = ""
    name = (name or "").strip() or email or f"{source} customer {external_id}"
    fields = {"name": name[:200], "source": source, "external_id": external_id, "country": country,
              "region": region[:10], "city": city[:100]}  # fmt: skip
    if locale:
        fields["locale"] = locale
    # Contacts go in with the customer; a value that does not validate is left out, not fatal.
    fields["email"] = _valid(clean_email, email)
    fields["phone"] = _valid(lambda v: clean_phone(v, country), phone)
    return fields


def _valid(clean, value: str) -> str:
    try:
        return clean(value) if value else ""
    except FieldError:
        return ""


def _add_contact(customer: Customer, kind: str, value: str, known: set[tuple[str, str]]) -> None:
    if not value:
        return
    try:
        value = clean_email(value) if kind == ContactKind.EMAIL else clean_phone(value, customer.country)
    except FieldError:
        return  # a malformed phone from the shop must not stop the debt being recorded
    if (kind, value) in known:
        return
    primary = not any(k == kind for k, _v in known)
    contact_point_add(customer=customer, kind=kind, value=value, is_primary=primary)


# --- receivables ---------------------------------------------------------------------------------------
def receivable_sync(
    ctx: Context,
    *,
    customer: Customer,
    external_id: str,
    amount: Money,
    outstanding: Money,
    due_date: date,
    issued_at: datetime,
    ref: str,
    number: str = "",
    terms: str = "",
    description: str = "",
    absent: bool = False,
) -> Receivable:
    """Create or update the receivable so its balance equals what the source says is still owed.

    Money paid at the source becomes a payment (external id `ref`, so a replay records nothing twice); an
    amount raised at the source becomes an adjustment. History is never rewritten. `absent`: the caller has
    just looked it up in this transaction and found none, so create it straight away (should another writer
    have made it meanwhile, the upsert below brings it in line as usual).
    """
    if outstanding.currency != amount.currency:
        raise MappingError("currency", "outstanding and total are in different currencies")
    fields = dict(
        merchant=ctx.merchant, customer=customer, external_id=external_id, amount=amount, due_date=due_date,
        source=ctx.source, issued_at=issued_at, number=number[:100], terms=terms[:50],
        description=description[:500], source_ref=f"event:{ctx.event.pk}",
    )  # fmt: skip
    try:
        receivable = None
        if absent:
            try:
                receivable = receivable_create(**fields)
            except DuplicateExternalId:
                receivable = None
        if receivable is None:
            receivable, _created = receivable_upsert(**fields)
    except LedgerError as exc:
        raise MappingError(exc.field, exc.reason) from None
    # The source knows nothing of money that reached this receivable through Settle (the customer's credit
    # applied by the ledger, a pay-link payment not yet written back): mirror only the source's own view.
    target = max(outstanding.minor - _settled_in_settle(receivable, ctx.source), 0)
    diff = receivable.balance_minor - target
    if diff > 0:
        payment_record(
            merchant=ctx.merchant, customer=customer, amount=Money(diff, amount.currency),
            external_id=f"{external_id}:paid@{ref}", received_at=ctx.now, source=ctx.source,
            method="at source", receivable=receivable,
        )  # fmt: skip
    elif diff < 0:
        receivable_adjust(receivable=receivable, amount=Money(-diff, amount.currency), at=ctx.now,
                          memo="balance raised at the source", source_ref=f"event:{ctx.event.pk}")  # fmt: skip
    if diff:
        receivable.refresh_from_db()
    return receivable


def _settled_in_settle(receivable: Receivable, source: str) -> int:
    """Minor units allocated to `receivable` by payments the source did not report (credit from an earlier
    overpayment recorded elsewhere, a payment taken through Settle): its outstanding amount does not include them."""
    from settle.ledger.models import LedgerEntry

    return -(
        LedgerEntry.objects.filter(receivable=receivable, kind="payment", payment__isnull=False)
        .exclude(payment__source=source)
        .aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )


def receivable_settle(ctx: Context, receivable: Receivable, *, ref: str, method: str = "at source") -> bool:
    """The source says this is paid: record the open balance as a payment. False if nothing was open."""
    receivable.refresh_from_db()
    if receivable.balance_minor <= 0 or receivable.status != ReceivableStatus.OPEN:
        return False
    payment_record(
        merchant=ctx.merchant, customer=receivable.customer, amount=receivable.balance,
        external_id=f"{receivable.external_id}:paid@{ref}", received_at=ctx.now, source=ctx.source,
        method=method, receivable=receivable,
    )  # fmt: skip
    return True


def receivable_void(ctx: Context, receivable: Receivable, *, memo: str) -> bool:
    """The source cancelled or voided it: credit the open balance and close it as cancelled."""
    receivable.refresh_from_db()
    if receivable.balance_minor <= 0 or receivable.status != ReceivableStatus.OPEN:
        return False
    receivable_cancel(receivable=receivable, at=ctx.now, memo=memo, source_ref=f"event:{ctx.event.pk}")
    return True


def receivable_of(ctx: Context, external_id: str) -> Receivable | None:
    return Receivable.objects.filter(
        merchant=ctx.merchant, source=ctx.source, external_id=external_id
    ).first()


def payments_of(ctx: Context, receivable: Receivable):
    return Payment.objects.filter(merchant=ctx.merchant, entries__receivable=receivable).distinct()
