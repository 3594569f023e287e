"""The REST API v1 shell: one NinjaAPI, API-key auth, RFC 9457 problem details for every error.

Routers live in their apps (`settle/<app>/api.py`, a `router`) and are mounted below by dotted path, one line
each. Helpers for routers: `merchant_of(request)` (the caller's tenant) and `require_role(request, role)`.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from settle.core.money import CurrencyMismatch, InexactAmount, UnknownCurrency
from settle.customers.validation import Conflict, FieldError
from settle.ledger.services import LedgerError
from settle.merchants.models import ApiKey, Merchant, Role
from settle.merchants.services import api_key_authenticate

PROBLEM = "application/problem+json"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
logger = logging.getLogger("settle.api")


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer sk_<prefix>_<secret>`; the key decides the merchant for every query.

    A viewer key is read-only for every operation, checked here before the body is even parsed, so no
    router can forget it; finer rules (a manager for write-offs) are `require_role` calls in the router.
    """

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        # The idempotency middleware may have looked the key up already; one lookup per request.
        key = getattr(request, "settle_api_key", None) or api_key_authenticate(token)
        if key is not None and request.method not in SAFE_METHODS and not key.allows(Role.COLLECTOR):
            raise Forbidden("this API key is read-only (viewer role)")
        return key


class SettleAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        from settle.apikit.openapi import document_conventions

        return document_conventions(super().get_openapi_schema(**kwargs))


api = SettleAPI(
    title="Settle API",
    version="1",
    description="Ethical, compliant collection of overdue payments. Every list is scoped to the API key's "
    "merchant; every error is RFC 9457 application/problem+json.",
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
)


class Forbidden(Exception):
    pass


def merchant_of(request: HttpRequest) -> Merchant:
    return request.auth.merchant


def require_role(request: HttpRequest, role: str = Role.MANAGER) -> None:
    """Raise 403 unless the caller's key (or membership) has at least `role`."""
    if not request.auth.allows(role):
        raise Forbidden(f"this action needs the {role} role")


def problem(request: HttpRequest, status: int, title: str, detail: str = "", **extra) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return HttpResponse(json.dumps(body, default=str), status=status, content_type=PROBLEM)


def _loc_to_field(loc) -> str:
    # ninja locations look like ("body", "payload", "amount"); keep the part a caller knows.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload", "form", "file")]
    # An empty or missing body has no field of its own: name the body itself.
    return ".".join(parts) or (str(loc[0]) if loc else "body")


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    errors = [
        {"field": _loc_to_field(e.get("loc", ())), "reason": e.get("msg", "invalid")} for e in exc.errors
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem(request, 422, "Invalid request", detail, errors=errors)


@api.exception_handler(FieldError)
def on_field_error(request, exc: FieldError):
    status, title = (409, "Conflict") if isinstance(exc, Conflict) else (422, "Invalid request")
    return problem(request, status, title, str(exc), errors=[{"field": exc.field, "reason": exc.reason}])


@api.exception_handler(LedgerError)
def on_ledger_error(request, exc: LedgerError):
    from settle.ledger.services import DuplicateExternalId

    status = 409 if isinstance(exc, DuplicateExternalId) else 422
    title = "Conflict" if status == 409 else "Invalid request"
    return problem(request, status, title, str(exc), errors=[{"field": exc.field, "reason": exc.reason}])


@api.exception_handler(UnknownCurrency)
def on_unknown_currency(request, exc):
    return problem(request, 422, "Invalid request", f"currency: {exc}",
                   errors=[{"field": "currency", "reason": str(exc)}])  # fmt: skip


@api.exception_handler(InexactAmount)
def on_inexact_amount(request, exc):
    return problem(
        request, 422, "Invalid request", f"amount: {exc}", errors=[{"field": "amount", "reason": str(exc)}]
    )


@api.exception_handler(CurrencyMismatch)
def on_currency_mismatch(request, exc):
    return problem(request, 422, "Invalid request", f"currency: {exc}",
                   errors=[{"field": "currency", "reason": str(exc)}])  # fmt: skip


@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    # Another merchant's id and a missing id look the same: tenants learn nothing about each other.
    return problem(request, 404, "Not found", "no such object for this merchant")


@api.exception_handler(AuthenticationError)
def on_unauthorized(request, exc):
    response = problem(request, 401, "Unauthorized", "send Authorization: Bearer <API key>")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Forbidden)
def on_forbidden(request, exc):
    return problem(request, 403, "Forbidden", str(exc))


@api.exception_handler(Http404)
def on_http404(request, exc):
    return problem(request, 404, "Not found", "no such object for this merchant")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, json.JSONDecodeError):
        # Ninja wraps the parser's error; the caller needs to know where their JSON broke.
        reason = f"malformed JSON: {cause.msg} at line {cause.lineno} column {cause.colno}"
        return problem(
            request, 400, "Bad Request", f"body: {reason}", errors=[{"field": "body", "reason": reason}]
        )
    if exc.status_code == 400 and cause is not None:
        reason = f"cannot be read: {cause}"
        return problem(
            request, 400, "Bad Request", f"body: {reason}", errors=[{"field": "body", "reason": reason}]
        )
    return problem(request, exc.status_code, HttpResponse(status=exc.status_code).reason_phrase, str(exc))


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    # Never a traceback to the caller (ninja's DEBUG default); the log has it.
    logger.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return problem(request, 500, "Internal Server Error", "an unexpected error occurred; it is logged")


# --- routers (one line each) ---------------------------------------------------------------------------
api.add_router("/customers", "settle.customers.api.router")
api.add_router("", "settle.ledger.api.router")
api.add_router("/merchant", "settle.merchants.api.router")
api.add_router("/imports", "settle.imports.api.router")
api.add_router("/cases", "settle.cases.api.router")
api.add_router("/customers", "settle.customers.privacy_api.router")
api.add_router("/cases", "settle.plans.api.router")
