from datetime import UTC, date, datetime

import pytest
from django.db import connection

from settle.cases.testing import case_for
from settle.core.money import Money
from settle.customers.models import ContactPoint, Customer
from settle.imports.models import ImportRowError
from settle.ledger.models import EntryKind, LedgerEntry, Payment, Receivable
from settle.ledger.services import ledger_verify, payment_record

from .conftest import CUSTOMERS

HEADER = "external_id,customer_external_id,currency,amount,due_date,issued_at,number\n"


def errors_of(job):
    return list(ImportRowError.objects.filter(job=job).order_by("row_number", "id").values_list(
        "row_number", "column", "reason"))  # fmt: skip


def test_customers_import_creates_customers_with_contact_points(acme, run_import, frozen_clock):
    job = run_import(acme, "customers", CUSTOMERS)
    assert (job.status, job.rows_done, job.created_count, job.error_count) == ("done", 2, 2, 0)
    jan = Customer.objects.get(merchant=acme, source="csv", external_id="c-1")
    assert (jan.name, jan.country, jan.timezone, jan.locale) == ("Jan Kowalski", "PL", "Europe/Warsaw", "pl")
    assert sorted(ContactPoint.objects.filter(customer=jan).values_list("kind", "value", "is_primary")) == [
        ("email", "jan@example.pl", True), ("phone", "+48601234567", True)]  # fmt: skip
    again = run_import(acme, "customers", CUSTOMERS)
    assert (again.created_count, again.existing_count) == (0, 2)
    assert Customer.objects.filter(merchant=acme).count() == 2
    assert ContactPoint.objects.filter(customer__merchant=acme).count() == 3


def test_good_and_bad_rows_mixed_every_bad_row_reported(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    text = HEADER + (
        "INV-1,c-1,PLN,120.50,2026-11-01,2026-10-01T10:00:00+00:00,FV/1\n"  # row 2 good
        "INV-2,c-1,PLN,12.345,2026-11-01,,\n"  # row 3: three decimals in PLN
        "INV-3,c-2,EUR,99,2026-13-01,,\n"  # row 4: bad date
        "INV-4,c-404,PLN,10,2026-11-01,,\n"  # row 5: unknown customer
        ",c-1,ZZZ,-5,2026-11-01,,\n"  # row 6: three bad cells
        "INV-5,c-2,EUR,1000,2026-12-15,,\n"  # row 7 good
        "INV-6,c-2\n"  # row 8: wrong width
        "INV-7,c-1,JPY,1500,2026-11-20,,\n"  # row 9 good, JPY has no minor digits
    )
    job = run_import(acme, "receivables", text)
    assert (job.status, job.rows_done, job.created_count, job.error_count) == ("done", 8, 3, 5)
    assert errors_of(job) == [
        (3, "amount", "'12.345' has more than 2 decimal places for this currency"),
        (4, "due_date", "not a date '2026-13-01': expected YYYY-MM-DD"),
        (5, "customer_external_id", "no customer with external id 'c-404': import the customers first"),
        (6, "external_id", "is required"),
        (6, "currency", "unknown currency 'ZZZ': expected ISO 4217 like PLN"),
        (6, "amount", "not an amount '-5': expected digits with '.' for decimals, like 1234.50"),
        (8, "(row)", "has 2 cells; the header has 7"),
    ]
    inv1 = Receivable.objects.get(merchant=acme, external_id="INV-1")
    assert (inv1.amount, inv1.balance, inv1.number, inv1.due_date) == (
        Money(12050, "PLN"),
        Money(12050, "PLN"),
        "FV/1",
        date(2026, 11, 1),
    )
    assert inv1.issued_at == datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    assert Receivable.objects.get(external_id="INV-7").amount == Money(1500, "JPY")
    assert Receivable.objects.get(external_id="INV-5").number == "INV-5"
    charges = LedgerEntry.objects.filter(merchant=acme, kind=EntryKind.CHARGE)
    assert sorted(charges.values_list("amount_minor", "currency")) == [
        (1500, "JPY"),
        (12050, "PLN"),
        (100000, "EUR"),
    ]
    assert ledger_verify(merchant=acme) == []


def test_reimport_creates_no_duplicates_and_reports_contradictions(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    text = HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\nINV-2,c-2,EUR,50,2026-11-01,,\n"
    first = run_import(acme, "receivables", text, chunk_rows=1)
    second = run_import(acme, "receivables", text)
    assert (first.created_count, second.created_count, second.existing_count) == (2, 0, 2)
    assert Receivable.objects.filter(merchant=acme).count() == 2
    assert LedgerEntry.objects.filter(merchant=acme).count() == 2
    changed = run_import(
        acme, "receivables", HEADER + "INV-1,c-1,PLN,90,2026-11-01,,\nINV-2,c-1,EUR,50,2026-11-01,,\n"
    )
    assert (changed.created_count, changed.existing_count, changed.error_count) == (0, 0, 2)
    assert [e[:2] for e in errors_of(changed)] == [(2, "amount"), (3, "customer_external_id")]
    assert Receivable.objects.get(external_id="INV-1").amount_minor == 10000
    assert ledger_verify(merchant=acme) == []


def test_duplicate_rows_in_one_file_store_one_receivable(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    job = run_import(acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\n" * 3)
    assert (job.created_count, job.existing_count, job.error_count) == (1, 2, 0)
    assert LedgerEntry.objects.filter(merchant=acme).count() == 1


def test_wrong_header_refuses_the_whole_file(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    text = "external_id,customer,currency,amount,colour\nINV-1,c-1,PLN,100,red\n"
    job = run_import(acme, "receivables", text)
    assert job.status == "refused"
    assert "missing required columns: customer_external_id, due_date" in job.message
    assert "unknown columns: customer, colour" in job.message
    assert (job.rows_done, Receivable.objects.count()) == (0, 0)


def test_semicolon_files_and_byte_order_mark(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    text = "\ufeffexternal_id;customer_external_id;currency;amount;due_date\nINV-1;c-1;pln;7.5;2026-11-01\n"
    job = run_import(acme, "receivables", text)
    assert (job.status, job.created_count) == ("done", 1)
    assert Receivable.objects.get().amount == Money(750, "PLN")


def test_new_debt_reaches_open_case_and_uses_customer_credit(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    jan = Customer.objects.get(external_id="c-1")
    payment, _ = payment_record(merchant=acme, customer=jan, amount=Money(3000, "PLN"), external_id="pre-pay")
    case = case_for(merchant=acme, customer=jan, currency="PLN", opened_at=frozen_clock.now(),
                               next_check_at=datetime(2027, 1, 1, tzinfo=UTC))  # fmt: skip
    assert payment.unallocated_minor == 3000
    job = run_import(acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\n")
    assert job.created_count == 1
    inv = Receivable.objects.get(external_id="INV-1")
    assert inv.balance_minor == 7000  # the credit paid part of it, as receivable_create would
    assert Payment.objects.get(pk=payment.pk).unallocated_minor == 0
    case.refresh_from_db()
    assert case.next_check_at == frozen_clock.now()
    assert ledger_verify(merchant=acme) == []


def test_new_debt_never_postpones_a_case_already_due(acme, run_import, frozen_clock):
    """A case due before the import stays due when it was (the engine claims `next_check_at <= now`); moving
    it to the import's time would only push it back. One due later is brought forward to now."""
    run_import(acme, "customers", CUSTOMERS)
    jan, erika = Customer.objects.get(external_id="c-1"), Customer.objects.get(external_id="c-2")
    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    assert earlier < frozen_clock.now()
    due = case_for(merchant=acme, customer=jan, currency="PLN", opened_at=earlier, next_check_at=earlier)
    later = case_for(merchant=acme, customer=erika, currency="PLN", opened_at=earlier,
                     next_check_at=datetime(2027, 1, 1, tzinfo=UTC))  # fmt: skip
    job = run_import(
        acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\nINV-2,c-2,PLN,5,2026-11-01,,\n"
    )
    assert job.created_count == 2
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.next_check_at, later.next_check_at) == (earlier, frozen_clock.now())


def test_customers_of_another_merchant_are_not_found(acme, umbrella, run_import, frozen_clock):
    run_import(umbrella, "customers", CUSTOMERS)
    job = run_import(acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\n")
    assert (job.created_count, job.error_count) == (0, 1)
    assert Receivable.objects.count() == 0


def test_payments_import_allocates_and_is_idempotent(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    run_import(
        acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\nINV-2,c-1,PLN,50,2026-11-05,,\n"
    )
    text = (
        "external_id,customer_external_id,currency,amount,received_at,receivable_external_id\n"
        "P-1,c-1,PLN,120,2026-11-20,\n"
        "P-2,c-1,PLN,10,2026-11-21,INV-404\n"
        "P-3,c-1,PLN,abc,2026-11-21,\n"
    )
    job = run_import(acme, "payments", text)
    assert (job.created_count, job.error_count) == (1, 2)
    assert [e[:2] for e in errors_of(job)] == [(3, "receivable_external_id"), (4, "amount")]
    balances = dict(Receivable.objects.values_list("external_id", "balance_minor"))
    assert balances == {"INV-1": 0, "INV-2": 3000}
    again = run_import(acme, "payments", text)
    assert (again.created_count, again.existing_count) == (0, 1)
    assert Payment.objects.count() == 1
    assert ledger_verify(merchant=acme) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers (BEGIN IMMEDIATE)")
def test_rows_stored_meanwhile_by_another_writer_fall_back_to_on_conflict(
    acme, run_import, frozen_clock, monkeypatch
):
    from settle.ledger import bulk

    run_import(acme, "customers", CUSTOMERS)
    run_import(acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\nINV-2,c-1,PLN,5,2026-11-01,,\n")
    # Pretend the existence check ran before another import stored INV-1 and INV-2.
    monkeypatch.setattr(bulk, "_stored", lambda merchant, source, ids: {})
    text = (
        HEADER
        + "INV-1,c-1,PLN,100,2026-11-01,,\nINV-2,c-1,PLN,6,2026-11-01,,\nINV-3,c-2,EUR,7,2026-11-01,,\n"
    )
    job = run_import(acme, "receivables", text)
    assert (job.created_count, job.existing_count, job.error_count) == (1, 1, 1)
    assert [e[:2] for e in errors_of(job)] == [(3, "amount")]
    assert sorted(Receivable.objects.values_list("external_id", flat=True)) == ["INV-1", "INV-2", "INV-3"]
    assert LedgerEntry.objects.filter(merchant=acme).count() == 3
    assert ledger_verify(merchant=acme) == []


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_written(acme, run_import, frozen_clock):
    run_import(acme, "customers", CUSTOMERS)
    text = (
        "external_id,customer_external_id,currency,amount,due_date,description\n"
        'A\\1,c-1,PLN,1,2026-11-01,"two\tparts\nand a \\N"\n'
    )
    job = run_import(acme, "receivables", text)
    assert job.created_count == 1
    receivable = Receivable.objects.get()
    assert (receivable.external_id, receivable.description) == ("A\\1", "two\tparts\nand a \\N")
    assert LedgerEntry.objects.get().receivable_id == receivable.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL option")
def test_set_based_fk_checks_store_the_same_and_keep_the_ledger_append_only(
    acme, umbrella, run_import, frozen_clock, settings
):
    from django.db import DatabaseError, transaction

    from settle.ledger.bulk import receivables_bulk_create
    from settle.ledger.services import LedgerError

    settings.SETTLE_IMPORT_SET_BASED_FK_CHECKS = True
    run_import(acme, "customers", CUSTOMERS)
    job = run_import(
        acme, "receivables", HEADER + "INV-1,c-1,PLN,100,2026-11-01,,\nINV-2,c-2,EUR,5,2026-11-01,,\n"
    )
    assert (job.created_count, job.error_count) == (2, 0)
    assert ledger_verify(merchant=acme) == []
    # The cases were opened under the same set-based checks, each with its "opened" event.
    from settle.cases.models import Case, CaseEvent

    cases = Case.objects.filter(merchant=acme, closed_at__isnull=True)
    assert sorted(cases.values_list("customer__external_id", "currency")) == [("c-1", "PLN"), ("c-2", "EUR")]
    assert CaseEvent.objects.filter(case__in=cases, kind="opened").count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(merchant=acme).update(amount_minor=1)
    # A customer of another merchant is refused by the set-based check, and nothing is written.
    stranger = Customer.objects.create(merchant=umbrella, name="Stranger", source="csv", external_id="s-1")
    row = (2, "INV-9", stranger.pk, "PLN", 100, None, date(2026, 11, 1), "", "", "")
    with pytest.raises(LedgerError):
        receivables_bulk_create(merchant=acme, source="csv", rows=[row], at=frozen_clock.now())
    assert not Receivable.objects.filter(external_id="INV-9").exists()


def test_a_file_that_is_not_utf8_stops_with_a_clear_message(acme, run_import, frozen_clock):
    good = "".join(f"c-{i},Customer {i},PL,,,pl\n" for i in range(3, 1003))
    data = (CUSTOMERS + good).encode() + "c-9999,Jürgen Groß,DE,,,de\n".encode("latin-1")
    job = run_import(acme, "customers", data, chunk_rows=100)
    assert job.status == "failed"
    assert job.message.startswith("the file is not UTF-8 text (after row")
    assert job.created_count == job.rows_done >= 100  # chunks committed before the bad bytes stay
    assert run_import(acme, "customers", "caf\xe9".encode("latin-1") + b",name\n").status == "refused"


def test_a_worker_killed_while_storing_a_chunk_resumes_exactly(acme, run_import, frozen_clock, monkeypatch):
    """The next chunk is read ahead while one is being stored; if storing fails (the worker dies), only the
    chunks committed with their progress count, and the resumed run stores the rest exactly once."""
    import io

    from settle.imports import services

    run_import(acme, "customers", CUSTOMERS)
    text = HEADER + "".join(f"INV-{i},c-{i % 2 + 1},PLN,{i + 1},2026-11-01,,\n" for i in range(7))
    real_writer, calls = services._WRITERS["receivables"], []

    def dies_on_second_chunk(job, rows, now):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_writer(job, rows, now)

    monkeypatch.setitem(services._WRITERS, "receivables", dies_on_second_chunk)
    job = services.import_job_start(merchant=acme, kind="receivables", filename="r.csv")
    with pytest.raises(RuntimeError):
        services.import_stream(job=job, stream=io.BytesIO(text.encode()), chunk_rows=3)
    job.refresh_from_db()
    assert (job.status, job.rows_done, Receivable.objects.count()) == ("running", 3, 3)

    monkeypatch.setitem(services._WRITERS, "receivables", real_writer)
    job = services.import_stream(job=job, stream=io.BytesIO(text.encode()), chunk_rows=3)
    assert (job.status, job.rows_done, job.created_count, job.existing_count) == ("done", 7, 7, 0)
    assert sorted(Receivable.objects.values_list("amount_minor", flat=True)) == [i * 100 for i in range(1, 8)]
    assert ledger_verify(merchant=acme) == []
