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


def test_strategy_table_editor_saves_rows_in_day_order_with_fallback_channels_and_conditions(
    acme, bogdan, login_as, frozen_clock
):
    manager = login_as(acme, "manager")
    page = manager.get("/strategies/new/")
    assert page.status_code == 200 and 'name="s0-key"' in page.content.decode()
    rows = {
        "name": "Table made",
        # typed out of order: the table sorts by day
        "s0-key": "call", "s0-offset_days": "10", "s0-action": "collector_task", "s0-template_key": "call",
        "s0-tone": "neutral",
        "s1-key": "r1", "s1-offset_days": "1", "s1-action": "message", "s1-channel0": "sms", "s1-channel1": "email",
        "s1-channel2": "sms", "s1-template_key": "reminder_1", "s1-tone": "gentle", "s1-segments": ["new", "standard"],
        "s1-debtor_kind": "consumer", "s1-countries": "pl, de", "s1-min_amount": "25.50", "s1-max_amount": "",
        "s2-key": "gone", "s2-offset_days": "3", "s2-remove": "1",
        "s3-key": "", "s3-offset_days": "",  # the blank row
    }  # fmt: skip
    preview = manager.get("/strategies/preview/", {**rows, "customer": bogdan.pk}).content.decode()
    # Bogdan is a loyal customer in Russia: r1's conditions (new/standard consumers in PL/DE) leave him out.
    assert "step call is due" in preview and "reminder_1" not in preview
    wide = {**rows, "s1-segments": [], "s1-countries": "", "s1-min_amount": ""}
    wide_preview = manager.get("/strategies/preview/", {**wide, "customer": bogdan.pk}).content.decode()
    assert "email · reminder_1 · gentle" in wide_preview  # sms first, but Bogdan has no phone: email next
    saved = manager.post("/strategies/new/", rows)
    assert saved.status_code == 302
    steps = Strategy.objects.get(merchant=acme, name="Table made").current_version.steps
    assert [s["key"] for s in steps] == ["r1", "call"]
    assert steps[0]["channels"] == ["sms", "email"]  # preference order kept, the repeated sms dropped
    assert steps[0]["segments"] == ["new", "standard"] and steps[0]["debtor_kinds"] == ["consumer"]
    assert (
        steps[0]["countries"] == ["PL", "DE"]
        and steps[0]["min_minor"] == 2550
        and "max_minor" not in steps[0]
    )
    # Editing shows the stored steps as rows again, and "Add a step" adds a row without saving.
    strategy = Strategy.objects.get(merchant=acme, name="Table made")
    edit = manager.get(f"/strategies/{strategy.pk}/").content.decode()
    assert 'name="s0-key" value="r1"' in edit and 'value="25.50"' in edit
    more = manager.post(
        f"/strategies/{strategy.pk}/", {**{k: v for k, v in rows.items() if k != "name"}, "add_row": "1"}
    )
    more_text = more.content.decode()
    # The three kept rows (the removed one is gone, rows renumbered) plus one new blank row.
    assert more.status_code == 200 and more_text.count('-key"') == 4 and 'value="gone"' not in more_text
    assert strategy.versions.count() == 1


def test_strategy_table_editor_refuses_bad_rows_naming_the_step_and_keeps_what_was_typed(acme, login_as):
    manager = login_as(acme, "manager")
    bad_day = manager.post("/strategies/new/", {"name": "X", "s0-key": "r1", "s0-offset_days": "soon",
                                                "s0-action": "message"})  # fmt: skip
    text = bad_day.content.decode()
    assert bad_day.status_code == 200 and "steps[0].offset_days" in text and 'value="soon"' in text
    bad_amount = manager.post("/strategies/new/", {"name": "X", "s0-key": "r1", "s0-offset_days": "1",
                                                   "s0-action": "message", "s0-channel0": "email",
                                                   "s0-template_key": "reminder_1", "s0-min_amount": "ten"})  # fmt: skip
    assert "steps[0].min_amount: must be an amount in" in bad_amount.content.decode()
    no_channel = manager.post("/strategies/new/", {"name": "X", "s0-key": "r1", "s0-offset_days": "1",
                                                   "s0-action": "message", "s0-template_key": "reminder_1"})  # fmt: skip
    assert "steps[0].channels: a message needs at least one channel" in no_channel.content.decode()
    assert not Strategy.objects.filter(merchant=acme).exists()
