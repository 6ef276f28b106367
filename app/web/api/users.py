"""/api/v1/users/me: the token's user and their preferences."""

from __future__ import annotations

from typing import Literal

from flask import g
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from app.extensions import db
from app.i18n import valid_timezone
from app.web.api import bp
from app.web.api.schemas import Schema, optional
from app.web.api.spec import endpoint

Language = Literal["ru", "kk", "en"]


class Me(Schema):
    id: str
    username: str
    display_name: str
    language: Language | None = Field(description="Null: chosen from the browser.")
    timezone: str | None = Field(description="Null: the workspace's timezone is used.")
    is_admin: bool


class MeUpdate(Schema):
    """Omitted fields are left unchanged; a null or empty timezone clears it."""

    display_name: str = optional(max_length=120)
    language: Language = optional()
    timezone: str | None = Field(None, max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not valid_timezone(value):
            raise PydanticCustomError("timezone_invalid", "unknown timezone")
        return value or None


def me_out(user) -> Me:
    """The API view of a user."""
    return Me(
        id=str(user.id),
        username=user.username,
        display_name=user.display_name,
        language=user.locale if user.locale in ("ru", "kk", "en") else None,
        timezone=user.timezone,
        is_admin=user.is_admin,
    )


@bp.get("/users/me")
@endpoint(resp=Me, needs_workspace=False, tags=("users",))
def get_me():
    """The token's user."""
    return me_out(g.api_user)


@bp.put("/users/me")
@endpoint(resp=Me, json=MeUpdate, needs_workspace=False, tags=("users",))
def update_me(json: MeUpdate):
    """Change the display name, language or timezone of the token's user."""
    user = g.api_user
    given = json.model_fields_set
    if json.display_name is not None:
        user.display_name = json.display_name.strip()
    if json.language is not None:
        user.locale = json.language
    if "timezone" in given:
        user.timezone = json.timezone
    db.session.commit()
    return me_out(user)
