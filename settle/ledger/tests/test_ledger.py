from datetime import UTC, date, datetime

import pytest
from django.db import connection

from settle.core.money import Money
from settle.ledger.models import EntryKind, LedgerEntry, ReceivableStatus
from settle.ledger.selectors import aging_summary, customer_balances
from settle.ledger.services import (
    DuplicateExternalId,
    LedgerError,
    charge_add,
    credit_note_record,
    ledger_verify,
    payment_record,
    receivable_cancel,
    receivable_create,
    receivable_upsert,
    refund_record,
    write_off_record,
)

T0 = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)


def pln(minor):
    return Money(minor, "PLN")


def invoice(merchant, customer, ext, minor, due, currency="PLN"):
    return receivable_create(
        merchant=merchant, customer=customer, external_id=ext, amount=Money(minor, currency), due_date=due,
        issued_at=T0,
    )  # fmt: skip


@pytest.fixture
def two_invoices(acme, alice):
    older = invoice(acme, alice, "INV-1", 10000, date(2026, 10, 15))
    newer = invoice(acme, alice, "INV-2", 5000, date(2026, 11, 15))
    return older, newer


def test_receivable_charge_sets_balance_from_an_entry(acme, alice):
    r = invoice(acme, alice, "INV-1", 12345, date(2026, 10, 31))
    assert (r.balance_minor, r.status) == (12345, ReceivableStatus.OPEN)
    assert list(r.entries.values_list("kind", "amount_minor")) == [(EntryKind.CHARGE, 12345)]


def test_partial_payment_goes_to_the_oldest_due_first(acme, alice, two_invoices):
    older, newer = two_invoices
    payment, created = payment_record(merchant=acme, customer=alice, amount=pln(12000), external_id="p1",
                                      received_at=T0)  # fmt: skip
    older.refresh_from_db()
    newer.refresh_from_db()
    assert created
    assert (older.balance_minor, older.status) == (0, ReceivableStatus.PAID)
    assert (newer.balance_minor, newer.status) == (3000, ReceivableStatus.OPEN)
    assert payment.unallocated_minor == 0
    assert ledger_verify(merchant=acme) == []


def test_payment_for_a_named_receivable_goes_there_first(acme, alice, two_invoices):
    older, newer = two_invoices
    payment_record(merchant=acme, customer=alice, amount=pln(5000), external_id="p1", receivable=newer)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.balance_minor, newer.balance_minor) == (10000, 0)


def test_overpayment_is_held_as_credit_and_pays_the_next_receivable(acme, alice, two_invoices):
    payment, _ = payment_record(merchant=acme, customer=alice, amount=pln(20000), external_id="p1")
    assert payment.unallocated_minor == 5000
    [balance] = customer_balances(merchant=acme, customer_id=alice.pk)
    assert (balance.owed, balance.credit) == (pln(0), pln(5000))
    third = invoice(acme, alice, "INV-3", 7000, date(2026, 12, 15))
    assert third.balance_minor == 2000
    payment.refresh_from_db()
    assert payment.unallocated_minor == 0
    customer_total = sum(LedgerEntry.objects.filter(customer=alice).values_list("amount_minor", flat=True))
    assert customer_total == 2000  # owed 2000, no credit left
    assert ledger_verify(merchant=acme) == []


def test_refund_takes_credit_first_then_reopens_the_newest_allocation(acme, alice, two_invoices):
    older, newer = two_invoices
    payment, _ = payment_record(merchant=acme, customer=alice, amount=pln(16000), external_id="p1")
    refund_record(payment=payment, amount=pln(4000))
    payment.refresh_from_db()
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (payment.unallocated_minor, payment.refunded_minor) == (0, 4000)
    assert (older.status, newer.balance_minor, newer.status) == (
        ReceivableStatus.PAID,
        3000,
        ReceivableStatus.OPEN,
    )
    with pytest.raises(LedgerError, match="exceeds what can be refunded"):
        refund_record(payment=payment, amount=pln(12001))
    assert ledger_verify(merchant=acme) == []


def test_payments_are_idempotent_on_external_id(acme, alice, two_invoices):
    first, created1 = payment_record(merchant=acme, customer=alice, amount=pln(1000), external_id="p1")
    again, created2 = payment_record(merchant=acme, customer=alice, amount=pln(1000), external_id="p1")
    assert (created1, created2, first.pk) == (True, False, again.pk)
    with pytest.raises(DuplicateExternalId):
        payment_record(merchant=acme, customer=alice, amount=pln(999), external_id="p1")


def test_duplicate_receivable_is_refused_and_nothing_half_written(acme, alice):
    invoice(acme, alice, "INV-1", 1000, date(2026, 10, 31))
    entries_before = LedgerEntry.objects.count()
    with pytest.raises(DuplicateExternalId):
        invoice(acme, alice, "INV-1", 2000, date(2026, 10, 31))
    assert LedgerEntry.objects.count() == entries_before


def test_another_merchants_customer_is_refused(acme, umbrella, alice):
    with pytest.raises(LedgerError, match="no such customer"):
        invoice(umbrella, alice, "X-1", 1000, date(2026, 10, 31))


def test_negative_amounts_and_currency_mixups_are_refused(acme, alice, two_invoices):
    older, _ = two_invoices
    with pytest.raises(LedgerError, match="greater than zero"):
        invoice(acme, alice, "INV-9", -1, date(2026, 10, 31))
    with pytest.raises(LedgerError, match="greater than zero"):
        payment_record(merchant=acme, customer=alice, amount=pln(0), external_id="p0")
    with pytest.raises(LedgerError, match="must be PLN"):
        charge_add(receivable=older, kind=EntryKind.FEE, amount=Money(100, "EUR"))


def test_multi_currency_balances_are_kept_apart(acme, alice):
    invoice(acme, alice, "INV-PLN", 1000, date(2026, 10, 31))
    invoice(acme, alice, "INV-EUR", 2500, date(2026, 10, 31), currency="EUR")
    payment_record(merchant=acme, customer=alice, amount=Money(2500, "EUR"), external_id="p-eur")
    balances = {b.currency: b.owed for b in customer_balances(merchant=acme, customer_id=alice.pk)}
    assert balances == {"PLN": pln(1000)}  # EUR is settled: no balance, no credit


def test_credit_note_write_off_and_cancel_close_with_their_own_status(acme, alice):
    a = invoice(acme, alice, "A", 1000, date(2026, 10, 31))
    b = invoice(acme, alice, "B", 1000, date(2026, 10, 31))
    c = invoice(acme, alice, "C", 1000, date(2026, 10, 31))
    credit_note_record(receivable=a, amount=pln(400))
    a.refresh_from_db()
    assert (a.balance_minor, a.status) == (600, ReceivableStatus.OPEN)
    write_off_record(receivable=b, memo="uneconomic")
    receivable_cancel(receivable=c)
    b.refresh_from_db()
    c.refresh_from_db()
    assert (b.status, c.status, b.balance_minor, c.balance_minor) == (
        ReceivableStatus.WRITTEN_OFF, ReceivableStatus.CANCELLED, 0, 0,
    )  # fmt: skip
    with pytest.raises(LedgerError, match="no open balance"):
        write_off_record(receivable=c)


def test_upsert_records_an_amount_change_as_an_adjustment(acme, alice):
    r, created = receivable_upsert(merchant=acme, customer=alice, external_id="O-1", amount=pln(1000),
                                   due_date=date(2026, 10, 31))  # fmt: skip
    r2, created2 = receivable_upsert(merchant=acme, customer=alice, external_id="O-1", amount=pln(800),
                                     due_date=date(2026, 11, 30))  # fmt: skip
    assert (created, created2, r.pk) == (True, False, r2.pk)
    assert (r2.amount_minor, r2.balance_minor, r2.due_date) == (800, 800, date(2026, 11, 30))
    assert list(r2.entries.values_list("kind", "amount_minor")) == [("charge", 1000), ("adjustment", -200)]


def test_ledger_entries_cannot_be_edited_or_deleted(acme, alice):
    r = invoice(acme, alice, "INV-1", 1000, date(2026, 10, 31))
    entry = r.entries.get()
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; SQLite uses the model"
)
def test_database_refuses_updates_to_ledger_entries(acme, alice):
    from django.db import DatabaseError, transaction

    invoice(acme, alice, "INV-1", 1000, date(2026, 10, 31))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.update(amount_minor=1)


def test_aging_buckets_by_days_past_due(acme, alice, bogdan):
    today = date(2026, 12, 1)
    invoice(acme, alice, "cur", 100, date(2026, 12, 10))
    invoice(acme, alice, "d10", 200, date(2026, 11, 21))
    invoice(acme, bogdan, "d45", 300, date(2026, 10, 17))
    invoice(acme, bogdan, "d75", 400, date(2026, 9, 17))
    invoice(acme, bogdan, "d120", 500, date(2026, 8, 3))
    invoice(acme, bogdan, "eur", 999, date(2026, 8, 3), currency="EUR")
    [eur, pl] = aging_summary(merchant=acme, today=today)
    assert (pl.currency, pl.outstanding, pl.overdue, pl.receivables) == ("PLN", pln(1500), pln(1400), 5)
    assert [m.minor for m in pl.buckets.values()] == [100, 200, 300, 400, 500]
    assert eur.buckets["90_plus"] == Money(999, "EUR")
