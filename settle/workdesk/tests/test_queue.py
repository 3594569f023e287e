from datetime import UTC, datetime

from settle.workdesk.models import Task

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_queue_shows_this_merchants_open_tasks_to_collectors(acme, umbrella, alice, login_as):
    Task.objects.create(merchant=acme, customer=alice, kind="call", note="call Alicja", due_at=NOW, created_at=NOW,
                        idempotency_key="t-1")  # fmt: skip
    Task.objects.create(merchant=acme, customer=alice, kind="review", note="done already", due_at=NOW,
                        created_at=NOW, idempotency_key="t-2", status="done")  # fmt: skip
    page = login_as(acme, "collector").get("/workdesk/").content.decode()
    assert "call Alicja" in page and "done already" not in page
    assert login_as(acme, "viewer").get("/workdesk/").status_code == 403
    assert "call Alicja" not in login_as(umbrella, "owner").get("/workdesk/").content.decode()
