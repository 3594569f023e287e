"""Writes for imports: create a job from an upload, and run a CSV stream into the ledger in chunks.

Streaming: the file is read row by row through the csv module and handled `chunk_rows` rows at a time, so
memory depends on the chunk size, never on the file. Each chunk is one transaction: its good rows, its bad
rows' reports and the job's progress commit together, which is also what makes a crashed run resumable.
"""

from __future__ import annotations

import csv
import io
import logging
import time
import zoneinfo
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import BinaryIO

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F

from settle.core import clock
from settle.core.money import Money
from settle.customers.bulk import customer_ids_by_external_id, customers_bulk_create
from settle.customers.validation import FieldError
from settle.ledger.bulk import receivables_bulk_create
from settle.ledger.models import Receivable, Source
from settle.ledger.services import LedgerError, payment_record
from settle.merchants.models import Merchant

from .columns import COLUMN_SETS, KINDS, CellError, HeaderError, check_header, sniff_delimiter
from .models import ImportJob, ImportRowError, ImportStatus
from .rows import PARSERS

log = logging.getLogger("settle.imports")

CHUNK_ROWS = 50_000
LEASE = timedelta(minutes=10)
WORKER_SECONDS = 20.0  # per worker iteration; a bigger file continues in the next one
MAX_LINE = 1_000_000  # a header longer than this is not a CSV header


def _text(stream: BinaryIO) -> io.TextIOWrapper:
    # utf-8-sig: spreadsheets often start the file with a byte-order mark.
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def read_header(kind: str, text: io.TextIOWrapper) -> tuple[list[str], str]:
    """Read and check the header line; returns (columns, delimiter) or raises HeaderError."""
    first = text.readline(MAX_LINE)
    if not first.strip():
        raise HeaderError(kind, list(COLUMN_SETS[kind].required), [], [])
    delimiter = sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    return check_header(kind, header), delimiter


def header_check_upload(*, kind: str, upload: UploadedFile) -> None:
    """Refuse a wrong file at upload time, before a job is stored; raises FieldError naming the columns."""
    if kind not in KINDS:
        raise FieldError("kind", f"must be one of {', '.join(KINDS)}")
    upload.seek(0)
    text = _text(upload.file)
    try:
        read_header(kind, text)
    except HeaderError as exc:
        raise FieldError("file", str(exc)) from None
    except UnicodeDecodeError:
        raise FieldError("file", "is not UTF-8 text: save the CSV as UTF-8") from None
    finally:
        text.detach()
        upload.seek(0)


def import_job_create(*, merchant: Merchant, kind: str, upload: UploadedFile, user=None) -> ImportJob:
    """Store an uploaded file and queue it for the worker (order 10); a wrong header is refused here."""
    header_check_upload(kind=kind, upload=upload)
    job = ImportJob(
        merchant=merchant, kind=kind, filename=(upload.name or "upload.csv")[-255:], size_bytes=upload.size or 0,
        created_by=user if user is not None and user.is_authenticated else None, created_at=clock.now(),
    )  # fmt: skip
    job.file.save(f"{clock.now():%Y%m%d%H%M%S}-{job.filename}", upload, save=False)
    job.save()
    return job


def import_job_start(*, merchant: Merchant, kind: str, filename: str, size_bytes: int = 0) -> ImportJob:
    """A job for a file imported inline (the CLI, the bench): running from the start, no stored copy."""
    if kind not in KINDS:
        raise FieldError("kind", f"must be one of {', '.join(KINDS)}")
    now = clock.now()
    return ImportJob.objects.create(
        merchant=merchant, kind=kind, filename=filename[-255:], size_bytes=size_bytes,
        status=ImportStatus.RUNNING, created_at=now, started_at=now, heartbeat_at=now,
    )  # fmt: skip


def import_job_claim(*, now) -> ImportJob | None:
    """Claim the oldest queued job (or one whose worker stopped beating) with a conditional UPDATE."""
    stale = now - LEASE
    candidates = ImportJob.objects.filter(status=ImportStatus.QUEUED) | ImportJob.objects.filter(
        status=ImportStatus.RUNNING, heartbeat_at__lt=stale
    )
    for job in candidates.order_by("created_at", "id")[:5]:
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(status=ImportStatus.RUNNING, heartbeat_at=now, started_at=job.started_at or now)
        if claimed:
            job.refresh_from_db()
            return job
    return None


def import_job_run(
    *, job: ImportJob, chunk_rows: int | None = None, seconds: float | None = None
) -> ImportJob:
    """Process a stored upload; the job ends done, refused (wrong header) or failed (unreadable file) — or,
    given `seconds`, goes back to the queue after the first chunk that ends past that budget, so one big file
    never holds up the rest of the worker's iteration (the next claim resumes after the committed rows)."""
    with job.file.open("rb") as stream:
        until = time.monotonic() + seconds if seconds is not None else None
        return import_stream(job=job, stream=stream, chunk_rows=chunk_rows or CHUNK_ROWS, until=until)


def import_stream(
    *,
    job: ImportJob,
    stream: BinaryIO,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable | None = None,
    until: float | None = None,
) -> ImportJob:
    """Import a CSV byte stream for `job` (already saved), chunk by chunk; resumes after `job.rows_done`.

    `progress(job)` is called after each committed chunk (the CLI prints it).
    """
    merchant = job.merchant
    text = _text(stream)
    try:
        columns, delimiter = read_header(job.kind, text)
    except HeaderError as exc:
        return _finish(job, ImportStatus.REFUSED, str(exc))
    except UnicodeDecodeError:
        return _finish(job, ImportStatus.REFUSED, "the file is not UTF-8 text: save the CSV as UTF-8")
    parser = PARSERS[job.kind](columns, zoneinfo.ZoneInfo(merchant.timezone or "UTC"))
    writer = _WRITERS[job.kind]
    chunks = _ChunkReader(
        text, delimiter, parser, len(columns), chunk_rows, skip=job.rows_done, stream=stream
    )
    # The next chunk is read and parsed in a second thread while this one waits for the database to store the
    # current one (psycopg releases the GIL while it waits): the parsing costs no wall time then. At most two
    # chunks are in memory, the one being stored and the one being read; the thread never touches the database.
    # Embedded (SQLite) keeps one chunk at a time: its writer builds ORM objects, and the database works in this
    # very process, so there is no waiting to overlap.
    ahead = connection.vendor == "postgresql"
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read")
    try:
        pending = pool.submit(chunks.next)
        while (chunk := pending.result()) is not None:
            if ahead:
                pending = pool.submit(chunks.next)
            _commit_chunk(job, writer, *chunk)
            del chunk  # before the next one arrives: two chunks at most
            if not ahead:
                pending = pool.submit(chunks.next)
            if progress is not None:
                progress(job)
            if until is not None and time.monotonic() > until:
                ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
                    status=ImportStatus.QUEUED
                )
                job.refresh_from_db()
                return job
    except (UnicodeDecodeError, csv.Error) as exc:
        reason = (
            "the file is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else f"unreadable CSV: {exc}"
        )
        return _finish(
            job, ImportStatus.FAILED, f"{reason} (after row {chunks.row_no - 1}); rows before it are stored"
        )
    finally:
        chunks.stop = True  # a chunk read ahead but not stored is simply read again by the next run
        pool.shutdown(wait=True)
        text.detach()
    return _finish(job, ImportStatus.DONE, "")


class _ChunkReader:
    """Reads the CSV `chunk_rows` rows at a time into (good rows, bad-row reports, rows read, bytes read),
    skipping the first `skip` rows (already imported); `next()` gives None at the end of the file."""

    def __init__(self, text, delimiter, parser, width, chunk_rows, *, skip, stream) -> None:
        self.reader = csv.reader(text, delimiter=delimiter)
        self.parser, self.width, self.chunk_rows, self.skip, self.stream = (
            parser,
            width,
            chunk_rows,
            skip,
            stream,
        )
        self.row_no = 1  # the header is row 1, as a spreadsheet shows it
        self.stop = False

    def next(self) -> tuple | None:
        parser, width = self.parser, self.width
        good, bad = [], []
        count = 0
        row_no = self.row_no
        try:
            for cells in self.reader:
                row_no += 1
                if self.skip:
                    self.skip -= 1
                    continue
                count += 1  # blank lines count as read too, so a resumed run skips exactly what was done
                if not any(cells):
                    pass
                elif len(cells) != width:
                    bad.append((row_no, "(row)", f"has {len(cells)} cells; the header has {width}"))
                else:
                    try:
                        good.append(parser.parse(cells, row_no))
                    except (CellError, FieldError):
                        seen = set()
                        for err in parser.errors(cells):
                            if err.column not in seen:
                                seen.add(err.column)
                                bad.append((row_no, err.column, err.reason[:500]))
                if count >= self.chunk_rows or self.stop:
                    break
        finally:
            self.row_no = row_no
        if self.stop or (not count and not bad):
            return None
        return good, bad, count, self.stream.tell()


def _commit_chunk(job, writer, good, bad, count, bytes_done) -> None:
    """One chunk, one transaction: its rows, its bad rows' reports and the job's progress.

    On PostgreSQL the transaction commits with `synchronous_commit = off`: COMMIT returns before its WAL is
    flushed to disk. That loses nothing here: should the server crash within that fraction of a second, the
    chunk's rows vanish *together with* the progress that counted them (one transaction), so the resumed job
    re-reads exactly those rows, and re-importing is idempotent anyway. WAL is flushed in order, so any later
    synchronous commit (the job's final status) makes every chunk before it durable. The database stays
    consistent either way; only the last fraction of a second of import work can need redoing.
    """
    now = clock.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        created, existing, more_bad = writer(job, good, now)
        bad.extend(more_bad)
        bad.sort(key=lambda e: e[0])
        ImportRowError.objects.bulk_create(
            [ImportRowError(job=job, row_number=r, column=c, reason=reason) for r, c, reason in bad],
            batch_size=2000,
        )
        bad_rows = len({r for r, _c, _reason in bad})
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=F("rows_done") + count, created_count=F("created_count") + created,
            existing_count=F("existing_count") + existing, error_count=F("error_count") + bad_rows,
            bytes_done=bytes_done, heartbeat_at=now,
        )  # fmt: skip
    job.refresh_from_db()


def _finish(job: ImportJob, status: str, message: str) -> ImportJob:
    now = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, message=message, finished_at=now, heartbeat_at=now
    )
    job.refresh_from_db()
    log.info("import %s %s: %s rows, %s created, %s errors", job.pk, status, job.rows_done, job.created_count,
             job.error_count)  # fmt: skip
    return job


# --- writers per kind: (job, good rows, now) -> (created, existing, bad rows) -------------------------------
def _resolve_customers(job, rows, key_index):
    """Swap customer external ids for this merchant's customer ids; unknown ones become row errors."""
    ids = customer_ids_by_external_id(
        merchant=job.merchant, source=Source.CSV, external_ids=(r[key_index] for r in rows)
    )
    resolved, bad = [], []
    for i, r in enumerate(rows):
        customer_id = ids.get(r[key_index])
        if customer_id is None:
            bad.append((r[0], "customer_external_id",
                        f"no customer with external id {r[key_index]!r}: import the customers first"))  # fmt: skip
        else:
            # The resolved row replaces the parsed one in `rows` (the chunk's own list, not used after this):
            # one copy of the chunk in memory, not two, while the next chunk is being read.
            rows[i] = r = (*r[:key_index], customer_id, *r[key_index + 1 :])
            resolved.append(r)
    return resolved, bad


def _write_customers(job, rows, now):
    distinct, seen, repeated = [], set(), 0
    for r in rows:
        if r[1] in seen:
            repeated += 1  # the same customer twice in one file is one customer
        else:
            seen.add(r[1])
            distinct.append(r)
    created = customers_bulk_create(merchant=job.merchant, source=Source.CSV, rows=distinct, at=now)
    return created, len(rows) - created, []


def _write_receivables(job, rows, now):
    resolved, bad = _resolve_customers(job, rows, 2)
    result = receivables_bulk_create(
        merchant=job.merchant, source=Source.CSV, rows=resolved, at=now, source_ref=f"import:{job.pk}"
    )
    return result.created, result.existing, bad + result.conflicts


def _write_payments(job, rows, now):
    """Payments go one by one through `payment_record`: allocation to receivables is the ledger's rule, and
    payment files are small next to receivable files. Each row has its own savepoint."""
    resolved, bad = _resolve_customers(job, rows, 2)
    refs = {r[7] for r in resolved if r[7]}
    receivables = {
        rec.external_id: rec
        for rec in Receivable.objects.filter(merchant=job.merchant, source=Source.CSV, external_id__in=refs)
    }
    customers = {c.pk: c for c in job.merchant.customers.filter(pk__in={r[2] for r in resolved})}
    created = existing = 0
    for row_no, ext, customer_id, currency, minor, received_at, method, receivable_ref in resolved:
        receivable = receivables.get(receivable_ref) if receivable_ref else None
        if receivable_ref and receivable is None:
            bad.append(
                (row_no, "receivable_external_id", f"no receivable with external id {receivable_ref!r}")
            )
            continue
        try:
            with transaction.atomic():
                _payment, was_created = payment_record(
                    merchant=job.merchant, customer=customers[customer_id], amount=Money(minor, currency),
                    external_id=ext, received_at=received_at, source=Source.CSV, method=method,
                    receivable=receivable,
                )  # fmt: skip
        except (LedgerError, FieldError) as exc:
            column = {"receivable_id": "receivable_external_id", "customer_id": "customer_external_id"}.get(
                exc.field, exc.field
            )
            bad.append((row_no, column, exc.reason))
            continue
        created += was_created
        existing += not was_created
    return created, existing, bad


_WRITERS = {"customers": _write_customers, "receivables": _write_receivables, "payments": _write_payments}
