import pytest
from django.http import HttpResponse
from django.urls import path

from settle.web.access import merchant_view


@merchant_view(role="viewer", write_role="manager")
def probe(request):
    return HttpResponse(f"{request.merchant.slug}:{request.membership.role}")


urlpatterns = [path("probe/", probe)]


@pytest.fixture
def probe_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_login_page_renders_and_signs_in(client, acme):
    from settle.merchants.services import user_create_with_membership

    user_create_with_membership(merchant=acme, username="ola", password="x-Settle-test-1")
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "ola", "password": "x-Settle-test-1"})
    assert response.status_code == 302
    assert "Acme Outdoor" in client.get("/").content.decode()


def test_viewer_reads_but_cannot_write(login_as, acme, probe_urls):
    client = login_as(acme, "viewer")
    assert client.get("/probe/").content == b"acme:viewer"
    assert client.post("/probe/").status_code == 403


def test_switch_merchant_only_to_own_memberships(login_as, acme, umbrella):
    from settle.merchants.services import membership_grant

    client = login_as(acme, "owner")
    user = acme.memberships.get().user
    assert client.post("/switch/", {"merchant": umbrella.id}).status_code == 302
    assert "Acme Outdoor" in client.get("/").content.decode()  # not a member of Umbrella: unchanged
    membership_grant(merchant=umbrella, user=user, role="viewer")
    client.post("/switch/", {"merchant": umbrella.id, "next": "https://evil.example/"})
    assert "<h1>Umbrella Goods</h1>" in client.get("/").content.decode()
