"""Errors from plain Django views under /api/ (no ninja handler in between) are problem+json too."""

import pytest
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path


def crash(request):
    raise RuntimeError("secret internals")


def plain_bad_request(request):
    return HttpResponseBadRequest("<h1>nope</h1>")


def page(request):
    return HttpResponseBadRequest("<h1>not under the API</h1>")


urlpatterns = [
    path("api/crash", crash),
    path("api/plain", plain_bad_request),
    path("elsewhere", page),
    path("api/ok", lambda request: HttpResponse("fine")),
]

pytestmark = pytest.mark.urls(__name__)


def test_an_exception_outside_ninja_is_a_500_problem(client):
    response = client.get("/api/crash")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Internal Server Error"
    assert b"secret" not in response.content


def test_a_plain_error_response_is_converted(client):
    response = client.get("/api/plain")
    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "instance": "/api/plain",
    }


def test_pages_outside_the_api_are_left_alone(client):
    assert client.get("/elsewhere")["Content-Type"].startswith("text/html")
    assert client.get("/api/ok").content == b"fine"
