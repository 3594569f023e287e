"""Several worker loops under one command: `runworker --processes N` forks N loops and keeps them running.

Every job claims its rows so that other workers skip them (`skip_locked` claims, conditional updates), which is
why several `runworker` processes may already run side by side; this starts N of them from one unit and uses
N cores for the engine's tick (bench/RESULTS-engine.md measures the tick with 1 and 2 loops).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time

from django.db import connections

from .loop import Loop

log = logging.getLogger("settle.worker")
RESTART_DELAY = 1.0


def _child(idle_seconds: float | None, max_iterations: int | None) -> None:
    loop = Loop(idle_seconds=idle_seconds)
    loop.install_signal_handlers()
    loop.run(max_iterations=max_iterations)


def run_processes(count: int, *, idle_seconds: float | None = None, max_iterations: int | None = None) -> int:
    """Run `count` loops in forked processes until SIGTERM/SIGINT; a loop that crashes is started again.

    Returns the number of loops that ended with an error (0 on a clean stop)."""
    context = multiprocessing.get_context("fork")
    # A forked child must open its own database connection, never keep using the parent's socket.
    connections.close_all()
    stopping = False

    def start() -> multiprocessing.Process:
        process = context.Process(target=_child, args=(idle_seconds, max_iterations), daemon=False)
        process.start()
        return process

    loops: list[multiprocessing.Process] = []

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True
        for process in loops:
            if process.is_alive():
                process.terminate()  # SIGTERM: the loop finishes its current iteration, then exits

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        loops.extend(start() for _ in range(count))
        keep_running = max_iterations is None
        while any(p.is_alive() for p in loops) or (keep_running and not stopping):
            for i, process in enumerate(loops):
                process.join(timeout=0.2)
                if process.is_alive() or not keep_running or stopping:
                    continue
                log.error("worker loop %s exited with %s; starting it again", process.pid, process.exitcode)
                time.sleep(RESTART_DELAY)
                if not stopping:
                    loops[i] = start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return sum(1 for p in loops if p.exitcode not in (0, None))
