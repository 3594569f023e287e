"""Worker job (order 10): import uploaded files, before the engine's tick sees the new receivables."""

from datetime import datetime

from .services import WORKER_SECONDS, import_job_claim, import_job_run


def process_uploaded_imports(now: datetime) -> int:
    """Run one claimed upload for up to WORKER_SECONDS (a longer one is requeued and resumed next time);
    returns the rows processed, at least 1 when a job ran (0 when nothing was queued)."""
    job = import_job_claim(now=now)
    if job is None:
        return 0
    before = job.rows_done
    try:
        job = import_job_run(job=job, seconds=WORKER_SECONDS)
    except Exception:
        from .services import _finish

        _finish(job, "failed", "the import stopped on an internal error; rows before it are stored")
        raise
    return max(1, job.rows_done - before)
