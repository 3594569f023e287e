import io

import pytest
from django.core.management import CommandError, call_command

from settle.customers.models import Customer
from settle.imports.models import ImportJob

from .conftest import CUSTOMERS


def test_import_csv_command_prints_progress_and_summary(acme, tmp_path, frozen_clock):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS + "c-3,,PL,,,\n")
    out = io.StringIO()
    call_command("import_csv", "--merchant", "acme", "--kind", "customers", str(path), stdout=out)
    text = out.getvalue()
    assert " 99%  3 rows  2 new  0 already there  1 bad" in text  # 100% once the job is marked done
    assert "  row 4 name: is required" in text
    assert "done: 3 rows" in text and "2 new, 0 already there, 1 bad" in text
    assert Customer.objects.filter(merchant=acme).count() == 2


def test_import_csv_command_refuses_a_wrong_header(acme, tmp_path, frozen_clock):
    path = tmp_path / "r.csv"
    path.write_text("external_id,amount\nx,1\n")
    with pytest.raises(
        CommandError, match="missing required columns: customer_external_id, currency, due_date"
    ):
        call_command(
            "import_csv", "--merchant", "acme", "--kind", "receivables", str(path), stdout=io.StringIO()
        )
    assert ImportJob.objects.get().status == "refused"


def test_import_csv_command_needs_a_known_merchant(db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(CUSTOMERS)
    with pytest.raises(CommandError, match="no merchant with slug 'nope'"):
        call_command("import_csv", "--merchant", "nope", "--kind", "customers", str(path))
