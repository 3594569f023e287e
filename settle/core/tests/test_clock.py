import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from settle.core import clock


def test_frozen_clock_is_used_process_wide_and_restored():
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with clock.frozen(at) as c:
        assert clock.now() == at
        c.advance(timedelta(hours=2))
        assert clock.now() == at + timedelta(hours=2)
    assert clock.now() != at + timedelta(hours=2)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        clock.FrozenClock(datetime(2026, 12, 1, 9, 0))  # noqa: DTZ001 - proving it is refused
    with pytest.raises(ValueError, match="naive"):
        clock.parse_instant("2026-12-01T09:00:00")


def test_settle_now_and_at_option_freeze_the_clock():
    previous = clock.get_clock()
    try:
        clock.freeze_from_env({"SETTLE_NOW": "2026-12-01T09:00:00Z"})
        assert clock.now() == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        argv = ["manage.py", "tick", "--at", "2027-01-02T03:04:05+01:00"]
        clock.freeze_from_argv(argv)
        assert argv == ["manage.py", "tick"]
        assert clock.now() == datetime(2027, 1, 2, 2, 4, 5, tzinfo=UTC)
    finally:
        clock.set_clock(previous)


def test_core_and_policy_import_nothing_from_django():
    code = (
        "import sys, pkgutil, importlib, settle.core\n"
        "mods = ['settle.core.' + m.name for m in pkgutil.iter_modules(settle.core.__path__) if m.name != 'tests']\n"
        "try:\n"
        "    import settle.policy\n"
        "    mods += ['settle.policy.' + m.name for m in pkgutil.iter_modules(settle.policy.__path__)"
        " if m.name != 'tests']\n"
        "except ImportError:\n"
        "    pass\n"
        "[importlib.import_module(m) for m in mods]\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(len(mods)); assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 2
