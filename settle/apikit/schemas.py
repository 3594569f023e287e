"""Base schemas for API input: bounds that keep bad input a 422 instead of a database error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import field_validator

# Timestamps outside this window are typos (or fuzzers); refusing them keeps UTC conversion from overflowing.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_MINOR = 10**15  # a quadrillion minor units: far above any invoice, far below BIGINT.


class InputSchema(Schema):
    """Every request body and query schema: text may not hold NUL (PostgreSQL cannot store it), and
    timestamps must carry a UTC offset and lie between 1970 and 2200."""

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError("must include a UTC offset, e.g. 2026-12-01T09:00:00Z")
            if not EARLIEST <= value <= LATEST:
                raise ValueError("must lie between 1970 and 2200")
        return value


# A path or body id: positive and within BIGINT, so a huge number is a 422 or 404, never a database error.
Id = Annotated[int, Field(ge=1, le=2**63 - 1, examples=[1])]
