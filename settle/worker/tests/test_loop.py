from datetime import UTC, datetime

from django.core.management import call_command

from settle.worker import loop, registry

SEEN: list[datetime] = []


def recording_job(now):
    SEEN.append(now)
    return 1


def failing_job(now):
    raise RuntimeError("boom")


def test_jobs_run_in_declared_order_and_a_failure_does_not_stop_the_rest(settings, monkeypatch):
    settings.SETTLE_WORKER_JOBS = [f"{__name__}.failing_job", f"{__name__}.recording_job"]
    monkeypatch.setattr(loop, "worker_jobs", registry.worker_jobs)
    SEEN.clear()
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    results = [r for r in loop.run_once(at) if r.job.startswith(__name__)]
    assert [(r.job.rsplit(".", 1)[1], r.done, r.error) for r in results] == [
        ("failing_job", 0, "RuntimeError: boom"),
        ("recording_job", 1, ""),
    ]
    assert [at] == SEEN


def test_app_jobs_are_sorted_by_their_order(monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("worker")
    monkeypatch.setattr(config, "worker_jobs", [(50, "b.late"), (10, "a.early")], raising=False)
    jobs = registry.worker_jobs()
    assert jobs.index("a.early") < jobs.index("b.late")


def test_tick_command_runs_one_iteration_at_the_given_moment(settings, capsys, db):
    settings.SETTLE_WORKER_JOBS = [f"{__name__}.recording_job"]
    SEEN.clear()
    call_command("tick", "--at", "2026-12-01T09:00:00Z")
    assert [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)] == SEEN
    assert "recording_job: 1" in capsys.readouterr().out


PIDS_FILE: list[str] = []


def pid_recording_job(now):
    import os

    with open(PIDS_FILE[0], "a") as f:
        f.write(f"{os.getpid()}\n")
    return 0


def test_runworker_processes_runs_that_many_loops_in_their_own_processes(monkeypatch, tmp_path, capsys):
    import os

    PIDS_FILE[:] = [str(tmp_path / "pids")]
    monkeypatch.setattr(loop, "worker_jobs", lambda: [f"{__name__}.pid_recording_job"])
    call_command("runworker", "--processes", "2", "--iterations", "2", "--idle", "0")
    pids = (tmp_path / "pids").read_text().split()
    assert len(pids) == 4 and len(set(pids)) == 2 and str(os.getpid()) not in pids  # 2 loops × 2 iterations
    assert "0 loop(s) ended with an error" in capsys.readouterr().out
