"""What the middleware adds, written into the OpenAPI document so clients (and schemathesis) know it.

Every operation may answer an RFC 9457 problem (`default` response), and every POST takes an optional
`Idempotency-Key` header. Ninja cannot see either: they live in middleware and exception handlers.
"""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. `errors` names each field at fault and why.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "examples": ["about:blank"]},
        "title": {"type": "string", "examples": ["Invalid request"]},
        "status": {"type": "integer", "examples": [422]},
        "detail": {"type": "string", "examples": ["currency: unknown currency 'XYZ'"]},
        "instance": {"type": "string", "examples": ["/api/v1/receivables/"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key and body returns the stored "
    "response with `Idempotent-Replayed: true`; the same key with another body is a 409. Kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "examples": ["5f0c9a1e-7b7a-4d8e"]},
}


def document_conventions(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {
        "description": "An error, as RFC 9457 problem details.",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault("default", problem)
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(dict(IDEMPOTENCY_HEADER))
    return schema
