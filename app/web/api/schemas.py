"""Shared API schemas: errors, paging, ids and timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from app.web.api.errors import ApiError, field_error

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Any value of this form is a valid cursor, so the document describes it exactly.
CURSOR_RE = re.compile(r"^[0-9]{1,18}$")


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, to the second."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


Timestamp = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def optional(description: str | None = None, **constraints):
    """A field that may be omitted but never sent as null (omitted reads as None)."""
    return Field(None, description=description, json_schema_extra=_no_default, **constraints)


class Schema(BaseModel):
    """Base of request and response bodies: unknown fields in requests are refused."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str = Field(description="Dotted path of the field, e.g. `timezone`.")
    code: str = Field(description="Stable machine-readable reason, e.g. `string_too_long`.")
    message: str = Field(description="Human-readable reason in the token user's language.")


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable error code, e.g. `not_found`.")
    message: str = Field(description="Human-readable message in the token user's language.")
    fields: list[FieldError] | None = Field(None, description="Field errors (422 only).")


class Error(Schema):
    """Every error response has this shape."""

    error: ErrorDetail


class ListQuery(Schema):
    """Cursor paging: pass the `next` of one page to get the following page.

    Unknown query parameters are refused, so a misspelt one does not go unnoticed.
    """

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    next: str = optional("Cursor from the previous page's `next`.", pattern=CURSOR_RE.pattern)


class WorkspaceHeader(BaseModel):
    """The workspace to act in; without it the user's first workspace is used."""

    x_kezek_workspace: str = optional(
        "Id of one of the user's workspaces.", alias="X-Kezek-Workspace", pattern=r"^[0-9]{1,18}$"
    )


def parse_id(value: str) -> int | None:
    """A row id from a path segment, or None when it cannot be one of ours."""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def encode_cursor(last_id: int) -> str:
    """The cursor pointing past the row with `last_id` (clients treat it as opaque)."""
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    """The row id inside a cursor; a 422 when it is not one of ours."""
    if not cursor:
        return None
    if CURSOR_RE.fullmatch(cursor):
        return int(cursor)
    raise ApiError(422, fields=[field_error("next", "cursor_invalid")])


def page_of(rows: list, limit: int, key=lambda row: row.id) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into the page and the next cursor."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
