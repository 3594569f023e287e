"""The work queue page: each task's HTMX outcome form, the promise fields, roles and languages."""

from datetime import UTC, date, datetime

from settle.cases.models import Promise
from settle.workdesk.models import Task

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HX = {"HTTP_HX_REQUEST": "true"}


def test_each_task_has_an_outcome_form_and_promise_fields_appear_for_a_promise(
    acme, alice, owing, task_on, login_as
):
    task = task_on(owing(alice))
    client = login_as(acme, "collector")
    page = client.get("/workdesk/").content.decode()
    assert f'hx-post="/workdesk/tasks/{task.pk}/"' in page and 'value="no_answer"' in page
    assert 'name="promised_for"' not in page and 'value="handoff_approved"' not in page
    # Choosing "promise to pay" re-renders the form (HTMX) with the amount and the date.
    form = client.get(
        f"/workdesk/tasks/{task.pk}/", {"outcome": "promise", "note": "kept"}, **HX
    ).content.decode()
    assert 'name="promise_amount"' in form and 'name="promised_for"' in form and "PLN" in form
    assert '<option value="promise" selected>' in form and "<html" not in form
    # Without JavaScript the same URL is a page with the whole form.
    full = client.get(f"/workdesk/tasks/{task.pk}/?outcome=promise").content.decode()
    assert "<html" in full and 'name="promised_for"' in full


def test_recording_with_htmx_swaps_the_row_and_errors_stay_on_the_form(acme, alice, owing, task_on, login_as):
    task = task_on(owing(alice))
    client = login_as(acme, "collector")
    bad = client.post(f"/workdesk/tasks/{task.pk}/",
                      {"outcome": "promise", "promise_amount": "60", "promised_for": "2026-11-02"}, **HX)  # fmt: skip
    assert bad.status_code == 200 and "must not be in the past" in bad.content.decode()
    assert Task.objects.get(pk=task.pk).status == "open"
    ok = client.post(f"/workdesk/tasks/{task.pk}/",
                     {"outcome": "promise", "promise_amount": "60.50", "promised_for": "2026-12-10"}, **HX)  # fmt: skip
    assert ok["HX-Retarget"] == f"#task-{task.pk}" and ok["HX-Reswap"] == "outerHTML"
    assert "Recorded: Promise to pay." in ok.content.decode()
    promise = Promise.objects.get()
    assert (promise.amount_minor, promise.promised_for, promise.created_by_label) == (
        6_050, date(2026, 12, 10), "acme-collector")  # fmt: skip
    assert f"task-{task.pk}" not in client.get("/workdesk/").content.decode()  # left the queue
    again = client.post(f"/workdesk/tasks/{task.pk}/", {"outcome": "reached"})
    assert again.status_code == 200 and Promise.objects.count() == 1


def test_without_htmx_the_post_redirects_to_the_queue(acme, alice, owing, task_on, login_as):
    task = task_on(owing(alice))
    response = login_as(acme, "collector").post(f"/workdesk/tasks/{task.pk}/", {"outcome": "no_answer"})
    assert response.status_code == 302 and response["Location"] == "/workdesk/"
    assert Task.objects.get(pk=task.pk).outcome == "no_answer"


def test_only_a_manager_decides_a_handoff_and_viewers_write_nothing(acme, alice, owing, task_on, login_as):
    task = task_on(owing(alice), kind="agency_handoff", step_key="agency")
    body = {"outcome": "handoff_declined", "note": "customer called back"}
    assert login_as(acme, "collector").post(f"/workdesk/tasks/{task.pk}/", body).status_code == 403
    assert login_as(acme, "viewer").post(f"/workdesk/tasks/{task.pk}/", body).status_code == 403
    assert Task.objects.get(pk=task.pk).status == "open"
    manager = login_as(acme, "manager")
    page = manager.get("/workdesk/").content.decode()
    assert 'value="handoff_approved"' in page and 'value="reached"' not in page
    refused = manager.post(
        f"/workdesk/tasks/{task.pk}/", {"outcome": "handoff_approved"}, **HX
    ).content.decode()
    assert "not lawful yet" in refused and "final notice must precede this by 30 days" in refused
    assert manager.post(f"/workdesk/tasks/{task.pk}/", body).status_code == 302
    assert Task.objects.get(pk=task.pk).outcome == "handoff_declined"


def test_another_merchants_task_is_not_found(acme, umbrella, alice, owing, task_on, login_as):
    task = task_on(owing(alice))
    intruder = login_as(umbrella, "owner")
    assert intruder.get(f"/workdesk/tasks/{task.pk}/").status_code == 404
    assert intruder.post(f"/workdesk/tasks/{task.pk}/", {"outcome": "reached"}).status_code == 404
    assert Task.objects.get(pk=task.pk).status == "open"


def test_the_form_speaks_the_users_language(acme, alice, owing, task_on, login_as):
    task_on(owing(alice))
    client = login_as(acme, "collector")
    for lang, words in {"pl": ("Wynik", "Brak odpowiedzi"), "ru": ("Результат", "Нет ответа"),
                        "de": ("Ergebnis", "Keine Antwort")}.items():  # fmt: skip
        page = client.get("/workdesk/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert all(w in page for w in words), (lang, words)


def test_a_manager_approves_a_lawful_handoff_and_the_case_page_says_so(acme, alice, owing, task_on, login_as):
    from datetime import timedelta

    from settle.communications.models import Message

    case = owing(alice)
    sent = NOW - timedelta(days=31)
    Message.objects.create(merchant=acme, case=case, customer=alice, channel="letter", template_key="final_notice",
                           idempotency_key="fn-1", not_before=sent, status="sent", sent_at=sent)  # fmt: skip
    task = task_on(case, kind="agency_handoff", step_key="agency")
    manager = login_as(acme, "manager")
    assert manager.post(f"/workdesk/tasks/{task.pk}/", {"outcome": "handoff_approved"}).status_code == 302
    page = manager.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert "Firma windykacyjna" in page and "zatwierdził(a) przekazanie do firmy windykacyjnej" in page
