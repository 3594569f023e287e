"""Cursor pagination for every list endpoint of the REST API.

Why cursors and not pages: lists of receivables and ledger entries grow while a client walks them; an
offset would skip or repeat rows, and deep offsets get slow. A cursor remembers the last row's ordering key
and id, so the next page is `WHERE (key, id) > (last key, last id)` on an index.

Use it in a router (any team):

    from settle.apikit.pagination import Page, PageParams, paginate

    class CaseFilters(PageParams):          # limit (1..200, default 50) and cursor come from PageParams
        stage: str = ""

    @router.get("/", response=Page(CaseOut))
    def case_list(request, filters: Query[CaseFilters]):
        qs = case_list_selector(merchant=merchant_of(request), stage=filters.stage)
        return paginate(request, qs, ordering=("-opened_at", "-id"), params=filters)

`ordering` names model fields, each optionally prefixed with "-", and must end with a unique field (the
primary key) so every row has exactly one place. The cursor is opaque and signed: a client cannot forge
one, and a cursor from another list (other ordering) is refused with a 422 naming `cursor`. The response is
`{"items": [...], "next": "<URL of the next page>" | null, "next_cursor": "..." | null}`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import create_model

from settle.customers.validation import FieldError

from .schemas import InputSchema

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_SALT = "settle.apikit.cursor"


class PageParams(InputSchema):
    """Query parameters every list endpoint accepts; inherit from it to add filters."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1 to 200).")
    cursor: str | None = Field(None, description="Opaque cursor from the previous page's `next_cursor`.")


@cache
def Page(item: type[Schema]) -> type[Schema]:  # noqa: N802 - reads as a type in `response=Page(X)`
    """The response schema of a page of `item`s (one named schema per item type in the OpenAPI spec)."""
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        items=(list[item], ...),
        next=(str | None, Field(None, description="URL of the next page; null on the last page.")),
        next_cursor=(str | None, Field(None, description="Cursor for the next page; null on the last page.")),
    )


def _key_of(row: Model, fields: list[str]) -> list[Any]:
    values = []
    for name in fields:
        value = getattr(row, name)
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return values


def _decode(cursor: str, model: type[Model], ordering: tuple[str, ...]) -> list[Any]:
    try:
        payload = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature:
        raise FieldError("cursor", "is not a cursor this API issued") from None
    if not isinstance(payload, dict) or payload.get("o") != list(ordering):
        raise FieldError("cursor", "belongs to another list; start again without a cursor")
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(ordering):
        raise FieldError("cursor", "is not a cursor this API issued")
    return [
        model._meta.get_field(name.lstrip("-")).to_python(value)
        for name, value in zip(ordering, values, strict=True)
    ]


def _after(ordering: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in `ordering`: (a > x) or (a = x and b > y) or ..."""
    condition = Q(pk__in=[])
    for i, term in enumerate(ordering):
        name = term.lstrip("-")
        op = "lt" if term.startswith("-") else "gt"
        equal = {ordering[j].lstrip("-"): values[j] for j in range(i)}
        condition |= Q(**equal, **{f"{name}__{op}": values[i]})
    return condition


def paginate(
    request: HttpRequest, queryset: QuerySet, *, ordering: tuple[str, ...], params: PageParams
) -> dict[str, Any]:
    """One page of `queryset` (already scoped to the merchant) in `ordering`, with the link to the next."""
    fields = [term.lstrip("-") for term in ordering]
    if fields[-1] not in ("id", "pk"):
        raise ValueError("pagination ordering must end with the primary key")
    queryset = queryset.order_by(*ordering)
    if params.cursor:
        queryset = queryset.filter(_after(ordering, _decode(params.cursor, queryset.model, ordering)))
    rows = list(queryset[: params.limit + 1])
    has_more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = next_url = None
    if has_more:
        next_cursor = signing.dumps({"o": list(ordering), "v": _key_of(rows[-1], fields)}, salt=_SALT)
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"items": rows, "next": next_url, "next_cursor": next_cursor}
