"""Middleware for everything under /api/: Idempotency-Key on POST, and problem+json for every error.

Ninja's exception handlers (settle/api.py) cover errors raised inside an operation; these cover the rest:
URLs no router knows (404), wrong methods (405), crashes (500), and keys reused or still in flight (409).
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse

from settle.merchants.models import ApiKey
from settle.merchants.services import api_key_authenticate

from .services import idempotency_claim, idempotency_complete, idempotency_release, request_fingerprint

PROBLEM = "application/problem+json"
API_PREFIX = "/api/"
IDEMPOTENT_PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 255
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
logger = logging.getLogger("settle.api")


def problem_response(
    request: HttpRequest, status: int, title: str, detail: str = "", **extra
) -> HttpResponse:
    """An RFC 9457 problem document; `errors=[{"field", "reason"}]` names the fields at fault."""
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return HttpResponse(json.dumps(body, default=str), status=status, content_type=PROBLEM)


def request_api_key(request: HttpRequest) -> ApiKey | None:
    """The live API key of a `Bearer` request, looked up once per request and shared with ninja's auth."""
    if not hasattr(request, "settle_api_key"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        key = api_key_authenticate(token.strip()) if scheme.lower() == "bearer" and token else None
        request.settle_api_key = key
    return request.settle_api_key


class ProblemDetailsMiddleware:
    """Turn any non-problem error response or unhandled exception under /api/ into problem+json."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith(PROBLEM)
        ):
            return response
        return self._convert(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(
            request, 500, "Internal Server Error", "an unexpected error occurred; it is logged"
        )

    @staticmethod
    def _convert(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        detail = ""
        if status == 404:
            detail = f"no such endpoint or object: {request.path}"
        elif status == 405:
            detail = f"{request.method} is not allowed here; allowed: {response.get('Allow', '')}"
        elif response.get("Content-Type", "").startswith("application/json"):
            try:
                found = json.loads(response.content).get("detail")
            except (ValueError, AttributeError):
                found = None
            detail = found if isinstance(found, str) else ""
        converted = problem_response(request, status, response.reason_phrase, detail)
        for header in KEPT_HEADERS:
            if header in response:
                converted[header] = response[header]
        return converted


class IdempotencyMiddleware:
    """`Idempotency-Key` on every POST under /api/v1/, scoped to the caller's merchant.

    Same key and same request → the stored response again, with `Idempotent-Replayed: true`. Same key and
    another request → 409. Same key while the first request is still running → 409 with Retry-After. A 5xx
    is not stored, so the client may retry with the same key. Requests without a valid API key pass through
    (the API answers 401 and nothing is recorded).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method != "POST" or not request.path.startswith(IDEMPOTENT_PREFIX):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            reason = f"must be 1 to {MAX_KEY_LENGTH} printable characters"
            return problem_response(request, 422, "Invalid request", f"Idempotency-Key: {reason}",
                                    errors=[{"field": "Idempotency-Key", "reason": reason}])  # fmt: skip
        api_key = request_api_key(request)
        if api_key is None:
            return self.get_response(request)
        fingerprint = request_fingerprint(
            method=request.method, path=request.get_full_path(), body=request.body
        )
        claim = idempotency_claim(
            merchant=api_key.merchant, key=key, method=request.method, path=request.get_full_path(),
            fingerprint=fingerprint,
        )  # fmt: skip
        record = claim.record
        if not claim.owned:
            return self._answer_repeat(request, record, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_release(record=record)
            raise
        if response.status_code >= 500 or response.streaming:
            idempotency_release(record=record)
        else:
            idempotency_complete(
                record=record,
                status_code=response.status_code,
                body=response.content,
                headers=response.headers,
            )
        return response

    @staticmethod
    def _answer_repeat(request: HttpRequest, record, fingerprint: str) -> HttpResponse:
        if record.fingerprint != fingerprint:
            reason = "was already used with a different request (method, path or body); use a new key"
            return problem_response(request, 409, "Conflict", f"Idempotency-Key: {reason}",
                                    errors=[{"field": "Idempotency-Key", "reason": reason}])  # fmt: skip
        if record.in_flight:
            reason = "a request with this key is still being processed; retry shortly"
            response = problem_response(request, 409, "Conflict", f"Idempotency-Key: {reason}",
                                        errors=[{"field": "Idempotency-Key", "reason": reason}])  # fmt: skip
            response["Retry-After"] = "1"
            return response
        replay = HttpResponse(bytes(record.response_body), status=record.status_code)
        for header, value in record.response_headers.items():
            replay[header] = value
        replay["Idempotent-Replayed"] = "true"
        return replay
