"""REST API for imports: upload a CSV (→ a queued job), follow its progress, page through its bad rows."""

from datetime import datetime

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from settle.api import merchant_of, require_role
from settle.merchants.models import Role

from .selectors import import_error_page, import_job_get
from .services import import_job_create

router = Router(tags=["imports"])


class ImportJobOut(Schema):
    id: int
    kind: str
    status: str
    filename: str
    percent: int
    rows_done: int
    created_count: int
    existing_count: int
    error_count: int
    message: str
    created_at: datetime
    finished_at: datetime | None


class RowErrorOut(Schema):
    row_number: int
    column: str
    reason: str


class RowErrorPage(Schema):
    items: list[RowErrorOut]
    next_cursor: int | None


@router.post("", response={202: ImportJobOut}, summary="Upload a CSV file to import")
def import_upload(request, kind: Form[str], file: File[UploadedFile]):
    """`kind` is customers, receivables or payments; the file is checked (header) now and imported by the
    worker. A wrong header is refused with 422 naming the columns."""
    require_role(request, Role.MANAGER)
    return Status(202, import_job_create(merchant=merchant_of(request), kind=kind, upload=file))


@router.get("/{job_id}", response=ImportJobOut, summary="An import's status and counts")
def import_status(request, job_id: int):
    return import_job_get(merchant=merchant_of(request), job_id=job_id)


@router.get("/{job_id}/errors", response=RowErrorPage, summary="An import's bad rows, in row order")
def import_errors(request, job_id: int, cursor: int = 0, limit: int = 100):
    errors, next_cursor = import_error_page(
        merchant=merchant_of(request), job_id=job_id, after=cursor, limit=max(1, min(limit, 1000))
    )
    return {"items": errors, "next_cursor": next_cursor}
