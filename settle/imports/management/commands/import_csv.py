"""`manage.py import_csv --merchant acme --kind receivables FILE`: import inline, printing progress."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from settle.imports.columns import KINDS
from settle.imports.models import ImportStatus
from settle.imports.services import import_job_start, import_stream
from settle.merchants.models import Merchant


class Command(BaseCommand):
    help = "Import a CSV file of customers, receivables or payments for one merchant (see docs/imports.md)."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--chunk-rows", type=int, default=50_000)
        parser.add_argument("--show-errors", type=int, default=20, help="how many row errors to print")
        parser.add_argument("file", type=Path)

    def handle(self, *args, merchant, kind, chunk_rows, show_errors, file, **options):
        try:
            tenant = Merchant.objects.get(slug=merchant)
        except Merchant.DoesNotExist:
            raise CommandError(f"no merchant with slug {merchant!r}") from None
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        size = file.stat().st_size
        job = import_job_start(merchant=tenant, kind=kind, filename=file.name, size_bytes=size)
        started = time.perf_counter()

        def progress(job):
            rate = job.rows_done / max(time.perf_counter() - started, 1e-9)
            self.stdout.write(
                f"{job.percent:3d}%  {job.rows_done:,} rows  {job.created_count:,} new  "
                f"{job.existing_count:,} already there  {job.error_count:,} bad  ({rate:,.0f} rows/s)"
            )

        with file.open("rb") as stream:
            job = import_stream(job=job, stream=stream, chunk_rows=chunk_rows, progress=progress)
        elapsed = time.perf_counter() - started
        for error in job.row_errors.order_by("id")[:show_errors]:
            self.stdout.write(f"  row {error.row_number} {error.column}: {error.reason}")
        if job.error_count > show_errors:
            self.stdout.write(f"  … and more: {job.error_count:,} bad rows in all (import job {job.pk})")
        summary = (
            f"import {job.pk} {job.status}: {job.rows_done:,} rows in {elapsed:.1f}s, {job.created_count:,} new, "
            f"{job.existing_count:,} already there, {job.error_count:,} bad"
        )
        if job.status != ImportStatus.DONE:
            raise CommandError(f"{summary}. {job.message}")
        self.stdout.write(self.style.SUCCESS(summary))
