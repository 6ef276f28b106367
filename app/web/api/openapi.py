"""/api/v1/openapi.json: the OpenAPI 3.1 document, generated from the endpoints."""

from __future__ import annotations

from flask import jsonify

from app.web.api import bp
from app.web.api.spec import spec


def document() -> dict:
    """The OpenAPI document (needs an app context: routes are read from the app)."""
    return spec.spec


@bp.get("/openapi.json")
def openapi_json():
    """Serve the document; public, like any API reference."""
    resp = jsonify(document())
    resp.headers["Cache-Control"] = "no-cache"
    return resp
