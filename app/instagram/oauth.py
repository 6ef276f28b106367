"""Business Login for Instagram: authorize URL, code exchange, token lifetimes (§1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from app.instagram.errors import ErrorKind, InstagramError
from app.instagram.transport import Transport
from app.instagram.types import TokenResult

DEFAULT_SCOPES = (
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
)


def strip_code(code: str) -> str:
    """Drop the `#_` Instagram appends to the code in the redirect."""
    code = code.strip()
    return code[:-2] if code.endswith("#_") else code


def _permissions(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, list):
        return tuple(str(p) for p in value)
    return ()


def _token_result(payload: dict[str, Any]) -> TokenResult:
    # Documented shape wraps the token in data:[{...}]; observed shape is flat.
    if isinstance(payload.get("data"), list) and payload["data"]:
        payload = payload["data"][0]
    token = payload.get("access_token")
    if not token:
        raise InstagramError(
            "token response without access_token",
            kind=ErrorKind.UNKNOWN,
            message_key="bad_response",
        )
    user_id = payload.get("user_id")
    expires = payload.get("expires_in")
    return TokenResult(
        access_token=str(token),
        user_id=str(user_id) if user_id is not None else None,
        permissions=_permissions(payload.get("permissions")),
        token_type=payload.get("token_type"),
        expires_in=int(expires) if expires is not None else None,
    )


class OAuthMixin(Transport):
    """OAuth operations; tokens travel exactly where Meta documents them."""

    def authorize_url_for(
        self,
        *,
        redirect_uri: str,
        state: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        enable_fb_login: bool | None = None,
        force_authentication: bool | None = None,
    ) -> str:
        """Build the URL that sends the user to Instagram's consent screen."""
        params: dict[str, str] = {
            "client_id": self.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes),
        }
        if state is not None:
            params["state"] = state
        if enable_fb_login is not None:
            params["enable_fb_login"] = "1" if enable_fb_login else "0"
        if force_authentication is not None:
            params["force_authentication"] = "1" if force_authentication else "0"
        sep = "&" if "?" in self.authorize_url else "?"
        return f"{self.authorize_url}{sep}{urlencode(params)}"

    def exchange_code(self, code: str, *, redirect_uri: str) -> TokenResult:
        """Trade the redirect's code for a short-lived (1 h) token."""
        code = strip_code(code)
        payload = self.call(
            "POST",
            f"{self.api_url}/oauth/access_token",
            data={
                "client_id": self.app_id,
                "client_secret": self._app_secret,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
            secrets=(code,),
            oauth_shape=True,
        )
        return _token_result(payload)

    def exchange_long_lived(self, short_lived_token: str) -> TokenResult:
        """Trade a short-lived token for a 60-day one (server side only)."""
        payload = self.call(
            "GET",
            f"{self.graph_url}/access_token",
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": self._app_secret,
                "access_token": short_lived_token,
            },
            secrets=(short_lived_token,),
        )
        return _token_result(payload)

    def refresh_token(self, long_lived_token: str) -> TokenResult:
        """Refresh a long-lived token that is at least 24 h old and not expired."""
        payload = self.call(
            "GET",
            f"{self.graph_url}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": long_lived_token},
            secrets=(long_lived_token,),
        )
        return _token_result(payload)
