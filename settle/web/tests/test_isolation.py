"""Tenant isolation and roles over EVERY merchant-app URL of the resolver (issue 3, item 4).

Merchant B's logged-in owner asks for merchant A's objects by id and must get 404 — GET and POST alike — on
every URL with a path parameter. Parameters are filled by `settle.apikit.testing.ID_FACTORIES`; a parameter with
no factory fails the walk with instructions, so URLs merged later from other branches are covered too.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from settle.web.testing import ID_FACTORIES, SKIP_PREFIXES, VIEWER_POSTS, discover_id_factories

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def merchant_app_routes() -> list[str]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        plain = route.lstrip("^")
        if any(plain.startswith(skip) for skip in SKIP_PREFIXES):
            continue
        routes.append(plain)
    return sorted(set(routes))


def fill(route: str, merchant) -> str:
    """Turn `customers/<int:customer_id>/` into `/customers/17/` with an object of `merchant`."""
    if route.endswith("$") or "(?P<" in route:
        pytest.fail(
            f"regex URL {route!r}: use path() with named converters so the isolation walk can fill it"
        )

    def one(match: re.Match) -> str:
        name = match["name"]
        if name not in discover_id_factories():
            pytest.fail(
                f"URL {route!r} has the path parameter {name!r} with no factory. Register one in "
                f"settle/<app>/testing.py with @register_id_factory({name!r}) (see settle/apikit/testing.py)"
            )
        return str(ID_FACTORIES[name](merchant))

    return "/" + PARAM.sub(one, route)


def test_the_walk_sees_the_merchant_app():
    routes = merchant_app_routes()
    assert "customers/<int:customer_id>/" in routes
    assert "receivables/<int:receivable_id>/" in routes
    assert "" in routes and "settings/" in routes
    assert not any(r.startswith(("admin/", "api/")) for r in routes)


def test_every_url_with_ids_is_404_for_another_merchants_owner(acme, umbrella, login_as, frozen_clock):
    intruder = login_as(umbrella, "owner")
    checked = []
    for route in merchant_app_routes():
        if not PARAM.search(route):
            continue
        url = fill(route, acme)
        for method in ("get", "post"):
            status = getattr(intruder, method)(url).status_code
            # A POST-only view answers GET with 405 for any id, so that says nothing about A's objects.
            allowed = (404, 405) if method == "get" else (404,)
            assert status in allowed, (
                f"{method.upper()} {url} ({route}) as another merchant's owner gave {status}"
            )
        checked.append(route)
    assert len(checked) >= 4, checked


def test_pages_without_ids_show_only_the_own_merchants_data(acme, umbrella, login_as, frozen_clock):
    from settle.ledger.models import Payment, Receivable

    # A's customers with a payment and an open receivable: they would show on the dashboard and lists.
    discover_id_factories()
    paid = Payment.objects.get(pk=ID_FACTORIES["payment_id"](acme)).customer
    owing = Receivable.objects.get(pk=ID_FACTORIES["receivable_id"](acme)).customer
    intruder = login_as(umbrella, "owner")
    for route in merchant_app_routes():
        if PARAM.search(route):
            continue
        response = intruder.get("/" + route)
        assert response.status_code in (200, 302, 405), f"GET /{route} gave {response.status_code}"
        body = response.content.decode()
        for secret in (paid.name, owing.name):
            assert secret not in body, f"/{route} shows merchant A's customer to B"


def test_a_viewer_gets_403_on_every_post(acme, login_as, frozen_clock):
    viewer = login_as(acme, "viewer")
    for route in merchant_app_routes():
        if route in VIEWER_POSTS:
            roles = getattr(resolve("/" + route).func, "settle_roles", None)
            assert roles is not None and roles[1] == "viewer", f"{route} is in VIEWER_POSTS but needs {roles}"
            continue
        url = fill(route, acme)
        status = viewer.post(url, {"name": "x", "amount": "1", "reference": "x"}).status_code
        assert status == 403, f"POST {url} as a viewer gave {status}"


def test_a_collector_cannot_change_settings(acme, login_as):
    collector = login_as(acme, "collector")
    response = collector.post(
        "/settings/",
        {
            "name": "Hijacked",
            "timezone": "UTC",
            "default_currency": "USD",
            "allocation_order": "newest_due_first",
        },
    )
    assert response.status_code == 403
    acme.refresh_from_db()
    assert (acme.name, acme.default_currency, acme.timezone) == ("Acme Outdoor", "PLN", "Europe/Warsaw")
    assert collector.get("/settings/api-keys/").status_code == 403


def test_a_parameter_without_a_factory_fails_the_walk_with_instructions(acme):
    with pytest.raises(pytest.fail.Exception, match=r"'widget_id' with no factory.*register_id_factory"):
        fill("widgets/<int:widget_id>/", acme)
