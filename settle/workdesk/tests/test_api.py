"""Tasks over the API: list, detail, outcome; problem+json naming the field; roles; idempotent replays."""

import json
from datetime import UTC, datetime

from settle.cases.models import Promise
from settle.webhooks_out.models import Delivery
from settle.workdesk.models import Task

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _post(client, task_id, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/tasks/{task_id}/outcome", json.dumps(body), content_type="application/json",
                       **extra)  # fmt: skip


def test_the_queue_and_one_task(acme, umbrella, alice, owing, task_on, api_as):
    case = owing(alice)
    call = task_on(case)
    task_on(case, kind="agency_handoff", step_key="agency")
    client = api_as(acme, "viewer")
    listed = client.get("/api/v1/tasks/").json()
    assert [t["kind"] for t in listed["items"]] == ["call", "agency_handoff"]
    assert listed["items"][1]["outcomes"] == ["handoff_approved", "handoff_declined"]
    one = client.get(f"/api/v1/tasks/{call.pk}").json()
    assert (one["case_id"], one["status"], one["outcome"], one["completed_by"]) == (case.pk, "open", "", "")
    assert "promise" in one["outcomes"]
    assert api_as(umbrella, "owner").get("/api/v1/tasks/").json()["items"] == []
    assert api_as(umbrella, "owner").get(f"/api/v1/tasks/{call.pk}").status_code == 404


def test_a_promise_over_the_api_is_recorded_once_per_idempotency_key(
    acme, alice, owing, task_on, api_as, endpoint
):
    task = task_on(owing(alice))
    client = api_as(acme, "collector")
    body = {
        "outcome": "promise",
        "promise_amount_minor": 4_000,
        "promised_for": "2026-12-12",
        "note": "by card",
    }
    first = _post(client, task.pk, body, key="promise-1")
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["outcome"], first.json()["completed_by"]) == (
        "done", "promise", "API key test collector")  # fmt: skip
    replay = _post(client, task.pk, body, key="promise-1")
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert Promise.objects.count() == 1 and Delivery.objects.filter(event_type="promise.made").count() == 1
    again = _post(client, task.pk, {"outcome": "reached"})
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"] == [{"field": "status", "reason": "the task is already done"}]


def test_bad_input_is_problem_json_naming_the_field(acme, alice, owing, task_on, api_as):
    task = task_on(owing(alice))
    client = api_as(acme, "collector")
    cases = [
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "promise", "promised_for": "2026-12-12"}, "promise_amount_minor"),
        (
            {"outcome": "promise", "promise_amount_minor": 99_999, "promised_for": "2026-12-12"},
            "promise_amount_minor",
        ),
        ({"outcome": "promise", "promise_amount_minor": 100}, "promised_for"),
        ({"outcome": "reached", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        response = _post(client, task.pk, body)
        assert response.status_code == 422, (body, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    assert Task.objects.get(pk=task.pk).status == "open"


def test_a_handoff_needs_a_manager_key_and_the_lawful_moment(acme, alice, owing, task_on, api_as):
    task = task_on(owing(alice), kind="agency_handoff", step_key="agency")
    denied = _post(api_as(acme, "collector"), task.pk, {"outcome": "handoff_approved"})
    assert denied.status_code == 403 and "manager" in denied.json()["detail"]
    assert _post(api_as(acme, "viewer"), task.pk, {"outcome": "reached"}).status_code == 403
    early = _post(api_as(acme, "manager"), task.pk, {"outcome": "handoff_approved"})
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "outcome"
    assert "not lawful yet" in early.json()["errors"][0]["reason"]
    assert Task.objects.get(pk=task.pk).status == "open"
