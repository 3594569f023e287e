"""Cursor pagination: every row exactly once, in order, across ties and descending keys."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import RequestFactory

from settle.apikit.pagination import PageParams, paginate
from settle.core.money import Money
from settle.customers.validation import FieldError
from settle.ledger.models import Payment
from settle.ledger.services import payment_record

SAME_MOMENT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def payments(acme, alice, bogdan):
    made = []
    for i in range(5):
        at = SAME_MOMENT if i < 3 else datetime(2026, 11, 1 + i, tzinfo=UTC)  # three share one timestamp
        made.append(payment_record(merchant=acme, customer=alice if i % 2 else bogdan, amount=Money(100 + i, "PLN"),
                                   external_id=f"p-{i}", received_at=at)[0])  # fmt: skip
    return made


def walk(queryset, ordering, limit, query=""):
    factory, rows, cursor, pages = RequestFactory(), [], None, 0
    while True:
        request = factory.get(f"/api/v1/payments/?{query}")
        page = paginate(request, queryset, ordering=ordering, params=PageParams(limit=limit, cursor=cursor))
        rows += [row.pk for row in page["items"]]
        pages += 1
        if page["next"] is None:
            assert page["next_cursor"] is None
            return rows, pages
        cursor = page["next_cursor"]
        assert parse_qs(urlparse(page["next"]).query)["cursor"] == [cursor]


def test_descending_with_ties_gives_every_row_once(acme, payments):
    qs = Payment.objects.filter(merchant=acme)
    expected = list(qs.order_by("-received_at", "-id").values_list("pk", flat=True))
    for limit in (1, 2, 3, 5, 200):
        rows, pages = walk(qs, ("-received_at", "-id"), limit)
        assert rows == expected
        assert pages == max(1, -(-len(expected) // limit))


def test_ascending_text_key(acme, payments):
    qs = Payment.objects.filter(merchant=acme)
    expected = list(qs.order_by("external_id", "id").values_list("pk", flat=True))
    assert walk(qs, ("external_id", "id"), 2)[0] == expected


def test_next_link_keeps_the_filters(acme, payments):
    request = RequestFactory().get("/api/v1/payments/?currency=PLN&limit=2")
    page = paginate(
        request, Payment.objects.filter(merchant=acme), ordering=("id",), params=PageParams(limit=2)
    )
    query = parse_qs(urlparse(page["next"]).query)
    assert (query["currency"], query["limit"]) == (["PLN"], ["2"])


def test_ordering_must_end_with_the_primary_key(acme):
    with pytest.raises(ValueError, match="primary key"):
        paginate(
            RequestFactory().get("/"), Payment.objects.all(), ordering=("received_at",), params=PageParams()
        )


def test_tampered_cursor_is_refused(acme, payments):
    page = paginate(
        RequestFactory().get("/"), Payment.objects.all(), ordering=("id",), params=PageParams(limit=1)
    )
    tampered = page["next_cursor"][:-2] + ("AA" if not page["next_cursor"].endswith("AA") else "BB")
    with pytest.raises(FieldError) as error:
        paginate(RequestFactory().get("/"), Payment.objects.all(), ordering=("id",),
                 params=PageParams(cursor=tampered))  # fmt: skip
    assert error.value.field == "cursor"


def test_openapi_documents_problems_and_idempotency(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    create = spec["paths"]["/api/v1/customers/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert create["responses"]["default"]["content"]["application/problem+json"]
    assert "Idempotency-Key" not in json.dumps(spec["paths"]["/api/v1/customers/"]["get"])
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"openapi.json" in docs.content
