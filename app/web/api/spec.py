"""The OpenAPI document (spectree + pydantic) and the decorator every endpoint uses."""

from __future__ import annotations

from functools import wraps

from flask import request
from flask_babel import gettext as _
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree

from app.models import Role
from app.web.api.errors import ApiError, validation_failed
from app.web.api.schemas import Error, WorkspaceHeader

API_DESCRIPTION = """\
Kezek's REST API. Authenticate with a personal API token (Settings → API tokens):
`Authorization: Bearer kzk_...`. Calls act in the workspace named by the
`X-Kezek-Workspace` header, or in the user's first workspace. Errors look like
`{"error": {"code": "...", "message": "..."}}`; lists are paged with `limit` and `next`.
"""

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Statuses every operation may answer; each endpoint adds its own success status.
COMMON_ERRORS = (400, 401, 403, 404, 413, 415, 422, 429)


def _reject_invalid(req, resp, req_validation_error, instance, model_adapter):
    """Spectree hook: turn a request validation failure into our 422 shape."""
    if req_validation_error is not None:
        raise validation_failed(req_validation_error.errors(include_url=False))


spec = SpecTree(
    "flask",
    mode="strict",
    title="Kezek API",
    version="1",
    description=API_DESCRIPTION,
    page_templates={},
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_model=Error,
    before=_reject_invalid,
    security_schemes=[
        SecurityScheme(
            name="bearerToken",
            data=SecuritySchemeData(type="http", scheme="bearer", bearer_format="kzk_..."),
        )
    ],
    security={"bearerToken": []},
)


def _check_json_body() -> None:
    """Bodies of writes must be a JSON object (or empty); anything else is refused."""
    if request.method not in WRITE_METHODS or not request.content_length and not request.data:
        return
    if not request.is_json:
        raise ApiError(415)
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", _("The request body is not valid JSON."))
    if not isinstance(body, dict):
        raise validation_failed([{"loc": (), "type": "model_type"}])


def endpoint(
    *,
    status: int = 200,
    resp=None,
    query=None,
    json=None,
    role: Role = Role.VIEWER,
    needs_workspace: bool = True,
    tags: tuple[str, ...] = (),
    extra_errors: tuple[int, ...] = (),
):
    """Decorate an API view: bearer auth, rate limit, workspace, role, validation, docs.

    `status`/`resp` document the success response (resp=None for an empty body);
    `role` is the least workspace role needed; non-GET methods also need a read-write
    token.
    """
    from app.web.api.auth import authenticate

    codes = {f"HTTP_{status}": resp}
    for code in (*COMMON_ERRORS, *extra_errors):
        codes[f"HTTP_{code}"] = Error

    def decorator(view):
        validated = spec.validate(
            query=query,
            json=json,
            headers=WorkspaceHeader,
            resp=Response(**codes),
            tags=tags,
            operation_id=view.__name__,
        )(view)

        @wraps(validated)
        def wrapped(*args, **kwargs):
            authenticate(
                write=request.method in WRITE_METHODS, role=role, needs_workspace=needs_workspace
            )
            _check_json_body()
            return validated(*args, **kwargs)

        return wrapped

    return decorator
