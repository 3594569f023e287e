from io import StringIO

import pytest
from django.core.management import call_command

from settle.cases.models import Case


@pytest.mark.slow
def test_simulate_runs_the_real_engine_with_zero_violations_and_leaves_no_trace(db):
    out = StringIO()
    call_command("simulate", customers=8, days=8, seed=3, tick_hours=12, stdout=out)
    text = out.getvalue()
    assert text.count("violations 0") == 2, text
    assert "personalised: recovered" in text and "fixed ladder: recovered" in text
    assert not Case.objects.exists()  # rolled back
