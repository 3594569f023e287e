"""Import jobs for the tenant-isolation walks (one registry for API and pages: `register_id_factory`)."""

from settle.apikit.testing import register_id_factory


@register_id_factory("job_id")
def make_import_job(merchant) -> int:
    """A finished job with one bad row, made the way the CLI makes them."""
    import io

    from .services import import_job_start, import_stream

    job = import_job_start(merchant=merchant, kind="customers", filename="isolation-walk.csv")
    import_stream(job=job, stream=io.BytesIO(b"external_id,name\nwalk-1,\n"))
    return job.pk
