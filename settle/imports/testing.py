"""Isolation-walk factory for import job ids (see settle/apikit/testing.py)."""

from settle.apikit.testing import register_id_factory


@register_id_factory("job_id")
def make_import_job(merchant) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from settle.imports.services import import_job_create

    upload = SimpleUploadedFile("walk.csv", b"external_id,name\nwalk-1,Walk Customer\n", "text/csv")
    return import_job_create(merchant=merchant, kind="customers", upload=upload).pk
