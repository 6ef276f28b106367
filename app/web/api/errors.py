"""API errors: one JSON shape, translated messages, field errors for 422."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

# Status -> (machine code, default message). Codes are stable; messages are translated.
STATUS_ERRORS = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send a valid API token in the Authorization header.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("The request conflicts with the current state.")),
    413: ("payload_too_large", _l("The request body is too large.")),
    415: ("unsupported_media_type", _l("Send the request body as JSON.")),
    422: ("validation_failed", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many requests. Please wait and try again.")),
    500: ("server_error", _l("Something went wrong. The error was logged.")),
}

# Pydantic error type -> message; named placeholders come from the error's context.
FIELD_MESSAGES = {
    "missing": _l("This field is required."),
    "string_type": _l("Must be a string."),
    "string_too_short": _l("Must be at least %(min_length)s characters long."),
    "string_too_long": _l("Must be at most %(max_length)s characters long."),
    "string_pattern_mismatch": _l("Has the wrong format."),
    "int_type": _l("Must be a whole number."),
    "int_parsing": _l("Must be a whole number."),
    "int_from_float": _l("Must be a whole number."),
    "greater_than_equal": _l("Must be at least %(ge)s."),
    "less_than_equal": _l("Must be at most %(le)s."),
    "bool_type": _l("Must be true or false."),
    "bool_parsing": _l("Must be true or false."),
    "literal_error": _l("Not one of the allowed values."),
    "enum": _l("Not one of the allowed values."),
    "extra_forbidden": _l("Unknown field."),
    "model_type": _l("Must be a JSON object."),
    "dict_type": _l("Must be a JSON object."),
    "model_attributes_type": _l("Must be a JSON object."),
    "datetime_type": _l("Must be a date and time in ISO 8601 format."),
    "datetime_parsing": _l("Must be a date and time in ISO 8601 format."),
    "timezone_invalid": _l("Unknown timezone. Use a name like Asia/Almaty."),
    "workspace_name_invalid": _l("The workspace name must be 1 to 120 characters long."),
    "cursor_invalid": _l("This cursor is not valid. Use the `next` value of a previous page."),
    "email_invalid": _l("Enter a valid e-mail address."),
    "email_required": _l("Give an e-mail address to send the invitation to."),
}
GENERIC_FIELD_MESSAGE = _l("Invalid value.")


class ApiError(Exception):
    """An error answered as {"error": {"code", "message"[, "fields"]}} with `status`."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        fields: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        default_code, default_message = STATUS_ERRORS.get(status, STATUS_ERRORS[500])
        super().__init__(code or default_code)
        self.status = status
        self.code = code or default_code
        self.message = message
        self.default_message = default_message
        self.fields = fields
        self.headers = headers or {}


def field_error(field: str, error_type: str, ctx: dict | None = None) -> dict:
    """One translated field error."""
    template = FIELD_MESSAGES.get(error_type, GENERIC_FIELD_MESSAGE)
    try:
        message = str(template) % (ctx or {}) if ctx else str(template)
    except (KeyError, TypeError, ValueError):
        message = str(GENERIC_FIELD_MESSAGE)
    return {"field": field, "code": error_type, "message": message}


def validation_failed(errors: list[dict]) -> ApiError:
    """A 422 from pydantic-style errors (each with `loc`, `type` and maybe `ctx`)."""
    fields = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "__root__"]
        fields.append(field_error(".".join(loc) or "body", err.get("type", ""), err.get("ctx")))
    return ApiError(422, fields=fields)


def error_response(error: ApiError):
    """The JSON response of an ApiError."""
    body = {"code": error.code, "message": error.message or str(error.default_message)}
    if error.fields is not None:
        body["fields"] = error.fields
    resp = jsonify(error=body)
    resp.status_code = error.status
    for name, value in error.headers.items():
        resp.headers[name] = value
    return resp


KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def http_error_response(status: int, exc: HTTPException | None = None):
    """The JSON response for an HTTP error raised by routing or `abort()`."""
    headers = {}
    if exc is not None:
        headers = {k: v for k, v in exc.get_headers() if k in KEPT_HEADERS}
    return error_response(ApiError(status if status in STATUS_ERRORS else 500, headers=headers))


def unauthorized(code: str, message: str) -> ApiError:
    """A 401 that tells clients to use a bearer token."""
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="kezek"'})


def forbidden_role() -> ApiError:
    """403: the membership role is too low."""
    return ApiError(403, "forbidden", _("Your role in this workspace does not allow this."))
