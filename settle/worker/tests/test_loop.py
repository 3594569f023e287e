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
