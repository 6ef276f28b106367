"""Shared API schemas: errors, paging, ids and timestamps."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from app.web.api.errors import ApiError, field_error

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


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


class ListQuery(BaseModel):
    """Cursor paging: pass the `next` of one page to get the following page."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    next: str = optional("Cursor from the previous page's `next`.", max_length=200)


class WorkspaceHeader(BaseModel):
    """The workspace to act in; without it the user's first workspace is used."""

    x_kezek_workspace: str = optional(
        "Id of one of the user's workspaces.", alias="X-Kezek-Workspace", pattern=r"^[0-9]{1,18}$"
    )


def encode_cursor(last_id: int) -> str:
    """An opaque cursor pointing after the row with `last_id`."""
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The row id inside a cursor; a 422 when the cursor was not made by us."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix == "id" and value.isdigit() and len(value) <= 18:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ApiError(422, fields=[field_error("next", "cursor_invalid")])


def page_of(rows: list, limit: int, key=lambda row: row.id) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into the page and the next cursor."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
