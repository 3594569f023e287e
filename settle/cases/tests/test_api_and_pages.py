"""Cases API and pages: the same explained decisions, merchant-scoped, and the strategy editor's preview."""

import json
from datetime import UTC, date, datetime

from settle.cases.engine import advance_due_cases
from settle.cases.models import Case, Strategy
from settle.customers.models import Customer

SATURDAY = datetime(2026, 12, 5, 5, 30, tzinfo=UTC)  # 08:30 in Moscow


def _moscow_case(bogdan, overdue):
    overdue(bogdan, "inv-b", 5000, date(2026, 11, 20))
    Customer.objects.filter(pk=bogdan.pk).update(orders_count=0)
    advance_due_cases(SATURDAY)
    return Case.objects.get(customer=bogdan)


def test_api_lists_cases_with_cursor_pagination_and_filters(acme, alice, bogdan, globex, overdue, api_as,
                                                            frozen_clock):  # fmt: skip
    for c in (alice, bogdan, globex):
        overdue(c, f"inv-{c.pk}", 5000, date(2026, 11, 20), currency="PLN")
    client = api_as(acme, "viewer")
    first = client.get("/api/v1/cases/?limit=2").json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(f"/api/v1/cases/?limit=2&cursor={first['next_cursor']}").json()
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert len(set(ids)) == 3 and ids == sorted(ids, reverse=True) and second["next_cursor"] is None
    only = client.get(f"/api/v1/cases/?customer_id={bogdan.pk}").json()["items"]
    assert [c["customer_name"] for c in only] == ["Bogdan Ivanov"]
    bad = client.get("/api/v1/cases/?cursor=%%%")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_api_case_detail_carries_the_decision_log_in_four_languages(acme, umbrella, bogdan, overdue, api_as,
                                                                    frozen_clock):  # fmt: skip
    case = _moscow_case(bogdan, overdue)
    body = api_as(acme, "viewer").get(f"/api/v1/cases/{case.pk}").json()
    decision = [e for e in body["events"] if e["kind"] == "decision"][0]
    why = [r for r in decision["reasons"] if r["code"] == "outside_contact_hours"][0]
    assert set(why["text"]) == {"en", "pl", "ru", "de"} and "230-FZ art. 7 part 3" in why["source"]
    assert why["text"]["ru"].startswith("отложено: суббота, до 09:00")
    assert decision["scheduled"]["messages"][0]["not_before"] == "2026-12-05T06:00:00+00:00"
    assert [m["template_key"] for m in body["messages"]] == ["reminder_1"]
    assert api_as(umbrella, "owner").get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_case_page_shows_why_not_earlier(acme, umbrella, bogdan, overdue, login_as, frozen_clock):
    case = _moscow_case(bogdan, overdue)
    viewer = login_as(acme, "viewer")
    page = viewer.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert "postponed: Saturday before 09:00 in Europe/Moscow (09:00–20:00)" in page.content.decode()
    assert "230-FZ art. 7 part 3" in page.content.decode()
    assert login_as(umbrella, "owner").get(f"/cases/{case.pk}/").status_code == 404
    assert "Bogdan Ivanov" in viewer.get("/cases/").content.decode()


def test_strategy_editor_previews_the_timeline_before_saving(acme, bogdan, login_as, frozen_clock):
    steps = [{"key": "r1", "offset_days": 1, "action": "message", "channels": ["email"],
              "template_key": "reminder_1", "tone": "neutral"}]  # fmt: skip
    viewer = login_as(acme, "viewer")
    page = viewer.get("/strategies/preview/", {"steps": json.dumps(steps), "customer": bogdan.pk})
    text = page.content.decode()
    assert (
        page.status_code == 200 and "Timeline for Bogdan Ivanov (RU" in text and "email · reminder_1" in text
    )
    assert not Strategy.objects.filter(merchant=acme).exists()  # a preview saves nothing
    assert viewer.post("/strategies/new/", {"name": "Mine", "steps": json.dumps(steps)}).status_code == 403
    manager = login_as(acme, "manager")
    bad = manager.post(
        "/strategies/new/", {"name": "Mine", "steps": json.dumps([{**steps[0], "template_key": "x"}])}
    )
    assert bad.status_code == 200 and "steps[0].template_key: unknown template" in bad.content.decode()
    ok = manager.post("/strategies/new/", {"name": "Mine", "steps": json.dumps(steps)})
    assert ok.status_code == 302 and Strategy.objects.get(merchant=acme).current_version.number == 1
    listing = manager.get("/strategies/").content.decode()
    assert "Mine" in listing and "Gentle" in listing and "Business net terms" in listing
