"""Sandbox OAuth: consent page, code exchange, long-lived exchange, refresh (§1)."""

from __future__ import annotations

import secrets
from html import escape
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from app.instagram.sandbox.common import GraphError, state, token_or_error
from app.instagram.sandbox.state import SCOPES, AuthCode, SandboxState, Token, new_token

bp = Blueprint("ig_oauth", __name__)
DEPRECATED_SCOPES = {
    "business_basic",
    "business_content_publish",
    "business_manage_comments",
    "business_manage_messages",
}
_FORWARD = ("client_id", "redirect_uri", "response_type", "scope", "state")


def _error_page(text: str) -> Response:
    return Response(
        f"<!doctype html><meta charset=utf-8><title>Error</title>"
        f"<h1>Instagram</h1><p>{escape(text)}</p>",
        status=400,
        mimetype="text/html",
    )


def _scopes(raw: str) -> list[str]:
    return [s for s in raw.replace(" ", ",").split(",") if s]


def _validate(st: SandboxState, args: dict[str, str]) -> str | None:
    if args.get("client_id") != str(st.config["app_id"]):
        return "Invalid Request: Invalid app ID (client_id)."
    if not args.get("redirect_uri"):
        return "Invalid Request: redirect_uri is required."
    allowed = st.config.get("redirect_uris")
    if allowed and args["redirect_uri"] not in allowed:
        return "Invalid redirect_uri: it must match a registered OAuth redirect URI."
    if args.get("response_type") != "code":
        return "Invalid Request: response_type must be code."
    scopes = _scopes(args.get("scope", ""))
    if not scopes or any(s not in SCOPES for s in scopes):
        bad = [s for s in scopes if s in DEPRECATED_SCOPES]
        return f"Invalid Scopes: {', '.join(bad or scopes or ['(none)'])}"
    return None


@bp.get("/oauth/authorize")
def authorize_page():
    """Consent page listing the demo accounts."""
    st = state()
    args = request.args.to_dict()
    problem = _validate(st, args)
    if problem:
        return _error_page(problem)
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{escape(args.get(k, ""))}">' for k in _FORWARD
    )
    with st.lock:
        rows = "".join(
            f'<li><button name="account" value="{a.ig_id}">{escape(a.name)} '
            f"(@{escape(a.username)}, {escape(a.account_type)})</button></li>"
            for a in st.accounts.values()
        )
    scopes = "".join(f"<li>{escape(s)}</li>" for s in _scopes(args["scope"]))
    page = f"""<!doctype html><html lang="ru"><meta charset="utf-8">
<title>Instagram sandbox — authorize</title>
<body style="font-family:sans-serif;max-width:36em;margin:2em auto">
<h1>Instagram (sandbox)</h1><p>An app wants access to:</p><ul>{scopes}</ul>
<form method="post">{hidden}<p>Continue as:</p><ul class="accounts">{rows}</ul>
<button name="cancel" value="1">Cancel</button></form></body></html>"""
    return Response(page, mimetype="text/html")


@bp.post("/oauth/authorize")
def authorize_decide():
    """Redirect back with a code (+ `#_`) or with the user_denied error."""
    st = state()
    form = request.form.to_dict()
    problem = _validate(st, form)
    if problem:
        return _error_page(problem)
    sep = "&" if "?" in form["redirect_uri"] else "?"
    extra = {"state": form["state"]} if form.get("state") else {}
    if form.get("cancel") or not form.get("account"):
        query = {
            "error": "access_denied",
            "error_reason": "user_denied",
            "error_description": "The user denied your request",
            **extra,
        }
        return redirect(f"{form['redirect_uri']}{sep}{urlencode(query)}")
    with st.lock:
        if form["account"] not in st.accounts:
            return _error_page("Unknown account")
        code = AuthCode(
            value="AQ" + secrets.token_urlsafe(24),
            ig_id=form["account"],
            scopes=tuple(_scopes(form["scope"])),
            redirect_uri=form["redirect_uri"],
            expires_at=st.now() + st.config["code_ttl"],
        )
        st.codes[code.value] = code
    query = {"code": code.value, **extra}
    return redirect(f"{form['redirect_uri']}{sep}{urlencode(query)}#_")


def _oauth_error(message: str, status: int = 400):
    resp = jsonify({"error_type": "OAuthException", "code": status, "error_message": message})
    resp.status_code = status
    return resp


@bp.post("/oauth/access_token")
def exchange_code():
    """Code -> short-lived token, answered in the wrapped or the flat shape."""
    st = state()
    form = request.form
    with st.lock:
        if form.get("client_id") != str(st.config["app_id"]):
            return _oauth_error("Invalid platform app")
        if form.get("client_secret") != st.config["app_secret"]:
            return _oauth_error("Error validating client secret.")
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("Invalid grant_type: expected authorization_code")
        code = st.codes.get(form.get("code", ""))
        if code is None:
            return _oauth_error("Matching code was not found or was already used")
        if code.redirect_uri != form.get("redirect_uri"):
            return _oauth_error(
                "Error validating verification code. Please make sure "
                "your redirect_uri is identical to the one you used in "
                "the OAuth dialog request"
            )
        del st.codes[code.value]  # single use, even when expired
        if code.expires_at <= st.now():
            return _oauth_error("This authorization code has expired.")
        token = _issue(st, code.ig_id, code.scopes, long_lived=False)
        shape = st.config["code_exchange_shape"]
    perms = ",".join(token.scopes)
    if shape == "flat":
        # Observed in the wild: user_id as a JSON number (above 2^53).
        return jsonify(
            {
                "access_token": token.value,
                "user_id": int(token.ig_id),
                "permissions": list(token.scopes),
            }
        )
    return jsonify(
        {"data": [{"access_token": token.value, "user_id": token.ig_id, "permissions": perms}]}
    )


def _issue(st: SandboxState, ig_id: str, scopes: tuple[str, ...], *, long_lived: bool):
    ttl = st.config["access_token_ttl"] if long_lived else st.config["short_token_ttl"]
    now = st.now()
    token = Token(
        value=new_token(),
        ig_id=ig_id,
        scopes=scopes,
        issued_at=now,
        expires_at=now + ttl,
        long_lived=long_lived,
    )
    st.tokens[token.value] = token
    return token


def issue_token(
    st: SandboxState, ig_id: str, *, long_lived: bool = True, scopes: tuple[str, ...] = SCOPES
) -> Token:
    """Mint a token directly, like the dashboard's "Generate token" (long-lived)."""
    return _issue(st, ig_id, scopes, long_lived=long_lived)


def _token_answer(st: SandboxState, token: Token) -> dict[str, Any]:
    return {
        "access_token": token.value,
        "token_type": "bearer",
        "expires_in": int(token.expires_at - st.now()),
    }


def long_lived(st: SandboxState, args: dict[str, Any]) -> dict[str, Any]:
    """GET /access_token?grant_type=ig_exchange_token (caller holds the lock)."""
    if args.get("grant_type") != "ig_exchange_token":
        raise GraphError(100, "(#100) grant_type must be ig_exchange_token")
    if args.get("client_secret") != st.config["app_secret"]:
        raise GraphError(101, "Error validating client secret.")
    token = token_or_error(args.get("access_token"))
    if token.long_lived:
        raise GraphError(100, "(#100) The access token is already long-lived")
    return _token_answer(st, _issue(st, token.ig_id, token.scopes, long_lived=True))


def refresh(st: SandboxState, args: dict[str, Any]) -> dict[str, Any]:
    """GET /refresh_access_token?grant_type=ig_refresh_token (caller holds the lock)."""
    if args.get("grant_type") != "ig_refresh_token":
        raise GraphError(100, "(#100) grant_type must be ig_refresh_token")
    token = token_or_error(args.get("access_token"))
    if not token.long_lived:
        raise GraphError(100, "(#100) Only long-lived tokens can be refreshed")
    if st.now() - token.issued_at < st.config["refresh_min_age"]:
        raise GraphError(
            100, "(#100) The access token must be at least 24 hours old to be refreshed"
        )
    if "instagram_business_basic" not in token.scopes:
        raise GraphError(10, "(#10) instagram_business_basic permission is required")
    return _token_answer(st, _issue(st, token.ig_id, token.scopes, long_lived=True))
