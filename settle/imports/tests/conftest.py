import io

import pytest


@pytest.fixture
def run_import():
    """`run_import(merchant, kind, text, chunk_rows=...)` → the finished ImportJob (inline, like the CLI)."""
    from settle.imports.services import import_job_start, import_stream

    def run(merchant, kind, text, chunk_rows=1000):
        data = text.encode() if isinstance(text, str) else text
        job = import_job_start(merchant=merchant, kind=kind, filename=f"{kind}.csv", size_bytes=len(data))
        return import_stream(job=job, stream=io.BytesIO(data), chunk_rows=chunk_rows)

    return run


CUSTOMERS = """external_id,name,country,email,phone,locale
c-1,Jan Kowalski,PL,jan@example.pl,+48 601 234 567,pl
c-2,Erika Muster,DE,erika@example.de,,de
"""
