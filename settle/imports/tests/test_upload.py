"""The API upload, the worker job, the page with its progress fragment, and tenant isolation of jobs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from settle.imports.jobs import process_uploaded_imports
from settle.imports.models import ImportJob
from settle.ledger.models import Receivable
from settle.ledger.services import ledger_verify

from .conftest import CUSTOMERS

RECEIVABLES = (
    "external_id,customer_external_id,currency,amount,due_date\n"
    "INV-1,c-1,PLN,100.00,2026-11-01\n"
    "INV-2,c-1,PLN,1.001,2026-11-01\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, kind, text, name="file.csv"):
    return client.post("/api/v1/imports", {"kind": kind, "file": SimpleUploadedFile(name, text.encode())})


def test_api_upload_is_processed_by_the_worker(acme, api_as, media, frozen_clock):
    client = api_as(acme, "manager")
    response = upload(client, "customers", CUSTOMERS)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert process_uploaded_imports(frozen_clock.now()) == 2
    job_id = upload(client, "receivables", RECEIVABLES).json()["id"]
    assert process_uploaded_imports(frozen_clock.now()) == 2
    assert process_uploaded_imports(frozen_clock.now()) == 0  # nothing left queued
    status = client.get(f"/api/v1/imports/{job_id}").json()
    assert {k: status[k] for k in ("status", "percent", "rows_done", "created_count", "error_count")} == {
        "status": "done", "percent": 100, "rows_done": 2, "created_count": 1, "error_count": 1}  # fmt: skip
    errors = client.get(f"/api/v1/imports/{job_id}/errors").json()
    assert errors == {
        "items": [{"row_number": 3, "column": "amount",
                   "reason": "'1.001' has more than 2 decimal places for this currency"}],
        "next_cursor": None,
    }  # fmt: skip
    assert Receivable.objects.get().external_id == "INV-1"
    assert ledger_verify(merchant=acme) == []


def test_api_errors_are_paginated_by_cursor(acme, api_as, media, frozen_clock):
    client = api_as(acme, "manager")
    bad = "external_id,customer_external_id,currency,amount,due_date\n" + "".join(
        f"INV-{i},c-404,PLN,1,2026-11-01\n" for i in range(5)
    )
    job_id = upload(client, "receivables", bad).json()["id"]
    process_uploaded_imports(frozen_clock.now())
    first = client.get(f"/api/v1/imports/{job_id}/errors?limit=3").json()
    assert [e["row_number"] for e in first["items"]] == [2, 3, 4]
    rest = client.get(f"/api/v1/imports/{job_id}/errors?limit=3&cursor={first['next_cursor']}").json()
    assert ([e["row_number"] for e in rest["items"]], rest["next_cursor"]) == ([5, 6], None)


def test_api_refuses_a_wrong_header_naming_the_columns(acme, api_as, media):
    response = upload(api_as(acme, "manager"), "receivables", "id,amount\n1,2\n")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "file"
    assert (
        "missing required columns: external_id, customer_external_id, currency, due_date" in problem["detail"]
    )
    assert "unknown columns: id" in problem["detail"]
    assert ImportJob.objects.count() == 0


def test_api_upload_needs_manager(acme, api_as, media):
    assert upload(api_as(acme, "viewer"), "customers", CUSTOMERS).status_code == 403
    assert ImportJob.objects.count() == 0


def test_another_merchants_job_is_not_found(acme, umbrella, api_as, login_as, media, frozen_clock):
    job_id = upload(api_as(acme, "manager"), "customers", CUSTOMERS).json()["id"]
    other_api = api_as(umbrella, "owner")
    assert other_api.get(f"/api/v1/imports/{job_id}").status_code == 404
    assert other_api.get(f"/api/v1/imports/{job_id}/errors").status_code == 404
    other_page = login_as(umbrella, "owner")
    assert other_page.get(f"/imports/{job_id}/").status_code == 404
    assert other_page.get(f"/imports/{job_id}/progress/").status_code == 404
    assert b"customers.csv" not in other_page.get("/imports/").content


def test_page_upload_progress_and_bad_row_report(acme, login_as, media, frozen_clock):
    manager = login_as(acme, "manager")
    assert manager.get("/imports/").status_code == 200
    response = manager.post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("people.csv", CUSTOMERS.encode())}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    queued = manager.get(f"/imports/{job.pk}/progress/")
    assert b'hx-trigger="every 1s"' in queued.content  # still polling while queued
    process_uploaded_imports(frozen_clock.now())
    done = manager.get(f"/imports/{job.pk}/progress/")
    assert b"hx-trigger" not in done.content  # finished: the fragment stops the polling
    assert b'value="100"' in done.content
    manager.post(
        "/imports/", {"kind": "receivables", "file": SimpleUploadedFile("inv.csv", RECEIVABLES.encode())}
    )
    process_uploaded_imports(frozen_clock.now())
    page = manager.get(f"/imports/{ImportJob.objects.latest('id').pk}/").content.decode()
    assert "has more than 2 decimal places" in page and "<td>3</td>" in page


def test_page_refuses_wrong_header_and_viewer_may_only_look(acme, login_as, media):
    manager = login_as(acme, "manager")
    response = manager.post(
        "/imports/", {"kind": "payments", "file": SimpleUploadedFile("p.csv", b"colour\nred\n")}
    )
    assert response.status_code == 400
    assert "missing required columns" in response.content.decode()
    viewer = login_as(acme, "viewer")
    assert viewer.get("/imports/").status_code == 200
    assert b'enctype="multipart/form-data"' not in viewer.get("/imports/").content
    forbidden = viewer.post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("c.csv", CUSTOMERS.encode())}
    )
    assert forbidden.status_code == 403
    assert ImportJob.objects.count() == 0


def test_stale_running_job_resumes_after_committed_rows(acme, api_as, media, frozen_clock):
    client = api_as(acme, "manager")
    upload(client, "customers", CUSTOMERS)
    job = ImportJob.objects.get()
    # A worker died after committing the first row: status running, lease long expired.
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", rows_done=1, heartbeat_at=frozen_clock.now().replace(year=2025)
    )
    process_uploaded_imports(frozen_clock.now())
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("done", 2, 1)
    assert list(acme.customers.values_list("external_id", flat=True)) == ["c-2"]


def test_page_speaks_polish(acme, login_as):
    page = login_as(acme, "manager").get("/imports/", HTTP_ACCEPT_LANGUAGE="pl")
    assert "Prześlij plik CSV" in page.content.decode()


def test_a_big_upload_is_spread_over_worker_iterations(acme, api_as, media, frozen_clock, monkeypatch):
    from settle.imports import jobs, services

    monkeypatch.setattr(jobs, "WORKER_SECONDS", -1.0)  # every chunk is past the budget
    monkeypatch.setattr(services, "CHUNK_ROWS", 1)
    text = CUSTOMERS + "\n" + "c-3,Ola Nowak,PL,,,pl\n"  # with a blank line in the middle
    upload(api_as(acme, "manager"), "customers", text)
    job = ImportJob.objects.get()
    seen = []
    while process_uploaded_imports(frozen_clock.now()):
        job.refresh_from_db()
        seen.append((job.status, job.rows_done))
    assert seen == [("queued", 1), ("queued", 2), ("queued", 3), ("queued", 4), ("done", 4)]
    assert (job.created_count, job.error_count) == (3, 0)
    assert sorted(acme.customers.values_list("external_id", flat=True)) == ["c-1", "c-2", "c-3"]
