"""One injectable clock for the whole process.

Every piece of Settle asks `clock.now()` instead of the system time, so a demo, a test or an operator can run
the system "as of" any moment: `SETTLE_NOW=2026-12-01T09:00:00Z` or `manage.py <command> --at <iso time>`
freezes it for the process. Pure code (policy) never calls this: it receives `now` as an argument.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)  # noqa: TID251 - the one place that reads the system clock


class FrozenClock:
    """A clock that stays where it is put; tests move it with `advance`."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_aware(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at

    def set(self, at: datetime) -> None:
        self._at = ensure_aware(at)


def ensure_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: Settle needs time-zone-aware datetimes")
    return at.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant with an offset ('2026-12-01T09:00:00Z'); naive text is refused."""
    try:
        at = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r} (example: 2026-12-01T09:00:00Z)") from None
    return ensure_aware(at)


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return _clock.now()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install `clock` for the process and return the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    """Freeze the process clock at `at` inside the block."""
    clock = FrozenClock(at)
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def freeze_from_env(environ: dict[str, str] | None = None) -> None:
    value = (environ if environ is not None else os.environ).get("SETTLE_NOW")
    if value:
        set_clock(FrozenClock(parse_instant(value)))


def freeze_from_argv(argv: list[str]) -> None:
    """Honour SETTLE_NOW, then a global `--at <time>` / `--at=<time>` on the command line.

    The option is consumed here so any management command can be run "as of" a moment.
    """
    freeze_from_env()
    for i, arg in enumerate(list(argv)):
        if arg == "--at" and i + 1 < len(argv):
            set_clock(FrozenClock(parse_instant(argv[i + 1])))
            del argv[i : i + 2]
            return
        if arg.startswith("--at="):
            set_clock(FrozenClock(parse_instant(arg.split("=", 1)[1])))
            del argv[i]
            return
