"""Test support for every router: objects by path-parameter name, and example bodies from the schema.

The isolation walk (settle/tests/test_api_isolation.py) calls EVERY operation of the live OpenAPI schema as
merchant B with merchant A's ids and expects 404. It finds A's ids through `ID_FACTORIES`: path-param name →
`factory(merchant) -> int` that creates one object of that merchant (and whatever it needs) and returns its id.
A path param without a factory fails the walk with a message naming the operation and the parameter.

How another team registers its ids — add `settle/<app>/testing.py` (imported automatically for every
installed app, like admin.py) with, for example:

    from settle.apikit.testing import register_id_factory

    @register_id_factory("case_id")
    def make_case(merchant) -> int:
        customer_id = ID_FACTORIES["customer_id"](merchant)   # reuse the others freely
        ...
        return case.pk

Factories run inside the test's database transaction. Write operations are called with the body the schema
itself gives as example (each property's `examples`), so keep examples valid: a 422 instead of 404 fails
the walk too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.module_loading import autodiscover_modules

from settle.core.money import Money

IdFactory = Callable[[Any], int]
ID_FACTORIES: dict[str, IdFactory] = {}


def register_id_factory(name: str):
    """Decorator: register `factory(merchant) -> int` for the path parameter `name`."""

    def decorate(factory: IdFactory) -> IdFactory:
        ID_FACTORIES[name] = factory
        return factory

    return decorate


def discover_id_factories() -> dict[str, IdFactory]:
    """Import every installed app's `testing` module so their factories are registered."""
    autodiscover_modules("testing")
    return ID_FACTORIES


# Distinctive text in every object the factories create: no response to another merchant may contain it.
MARKER = "Zyxwvut-isolation"


def _customer(merchant):
    from settle.customers.services import customer_create

    return customer_create(
        merchant=merchant, name=f"{MARKER} customer", country="PL", email="walk@example.pl",
        external_id=f"{MARKER}-c-{merchant.pk}-{len(ID_FACTORY_CALLS)}",
    )  # fmt: skip


ID_FACTORY_CALLS: list[str] = []


@register_id_factory("customer_id")
def make_customer(merchant) -> int:
    ID_FACTORY_CALLS.append("customer_id")
    return _customer(merchant).pk


@register_id_factory("contact_point_id")
def make_contact_point(merchant) -> int:
    from settle.customers.services import contact_point_add

    ID_FACTORY_CALLS.append("contact_point_id")
    return contact_point_add(customer=_customer(merchant), kind="email", value="walk2@example.pl").pk


def _receivable(merchant):
    from settle.ledger.services import receivable_create

    ID_FACTORY_CALLS.append("receivable")
    return receivable_create(
        merchant=merchant, customer=_customer(merchant), external_id=f"{MARKER}-r-{len(ID_FACTORY_CALLS)}",
        amount=Money(10000, merchant.default_currency), due_date=date(2026, 11, 1), description=MARKER,
    )  # fmt: skip


@register_id_factory("receivable_id")
def make_receivable(merchant) -> int:
    return _receivable(merchant).pk


@register_id_factory("payment_id")
def make_payment(merchant) -> int:
    from settle.ledger.services import payment_record

    receivable = _receivable(merchant)
    payment, _ = payment_record(
        merchant=merchant, customer=receivable.customer, amount=Money(6000, receivable.currency),
        external_id=f"{MARKER}-p-{len(ID_FACTORY_CALLS)}", method=MARKER,
    )  # fmt: skip
    return payment.pk


# --- example bodies ------------------------------------------------------------------------------------
def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def example_for(schema: dict, spec: dict) -> Any:
    """A value for `schema` built from its examples (and defaults), else the simplest valid value."""
    schema = _resolve(schema, spec)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, spec).get("type") != "null"]
            return example_for(options[0], spec) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", ()))
        return {
            name: example_for(prop, spec)
            for name, prop in schema.get("properties", {}).items()
            if name in required or "examples" in prop
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-12-01"
    if schema.get("format") == "date-time":
        return "2026-12-01T09:00:00Z"
    return "x" * max(1, schema.get("minLength", 1))


def request_body_example(operation: dict, spec: dict) -> Any:
    """The JSON body an operation takes, from its schema's examples; None when it takes no body."""
    body = operation.get("requestBody")
    if not body:
        return None
    content = body["content"].get("application/json")
    if content is None:
        return None
    return example_for(content["schema"], spec)


# --- walking the schema --------------------------------------------------------------------------------
WRITE_METHODS = ("post", "put", "patch", "delete")


def operations(spec: dict):
    """(path, method, operation) for every operation in the OpenAPI document."""
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method in ("get", *WRITE_METHODS):
                yield path, method, operation


def path_params(operation: dict) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]


def walk(
    spec: dict,
    *,
    owner,
    client,
    expect: int,
    methods: tuple[str, ...] = ("get", *WRITE_METHODS),
    snapshot: Callable[[], Any] = lambda: None,
    factories: dict[str, IdFactory] | None = None,
    only_with_ids: bool = True,
) -> tuple[int, list[str]]:
    """Call every operation with path parameters (in `methods`) with ids of `owner`'s objects, as `client`.

    Operations without path parameters are skipped unless `only_with_ids` is false (writes only: a list
    without ids has nothing to protect by status). Returns (operations called, failures): an operation fails when the status is not `expect`, the body is
    not problem+json, `snapshot()` differs before and after, or a path parameter has no factory.
    """
    factories = discover_id_factories() if factories is None else factories
    failures, walked = [], 0
    for path, method, operation in operations(spec):
        names = path_params(operation)
        if method not in methods or (not names and (only_with_ids or method == "get")):
            continue
        missing = [name for name in names if name not in factories]
        if missing:
            failures.append(
                f"{method.upper()} {path}: no ID_FACTORIES entry for {', '.join(missing)}; register one in "
                "settle/<app>/testing.py with @register_id_factory (see settle/apikit/testing.py)"
            )
            continue
        url = path.format(**{name: factories[name](owner) for name in names})
        before = snapshot()
        body = request_body_example(operation, spec)
        response = client.generic(
            method.upper(), url, json.dumps(body) if body is not None else "", content_type="application/json"
        )
        walked += 1
        if response.status_code != expect or response["Content-Type"] != "application/problem+json":
            failures.append(f"{method.upper()} {url}: {response.status_code} {response.content[:300]!r}")
        elif snapshot() != before:
            failures.append(f"{method.upper()} {url}: {expect} but the data changed")
    return walked, failures
