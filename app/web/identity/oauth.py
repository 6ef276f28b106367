"""Google and Yandex through Authlib: authorization code with state, PKCE (S256) and nonce."""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from flask import current_app, redirect, request, session, url_for
from joserfc.errors import JoseError

from app.services import jwks
from app.services.identities import IdentityError, Profile

OAUTH_PROVIDERS = ("google", "yandex")


class GoogleApp(FlaskOAuth2App):
    """Authlib's client, with Google's keys from the process-wide cache.

    Authlib keeps fetched keys on the client object, and a client is built per request
    (settings may change), so without this every sign-in would fetch the key set again.
    Authlib asks with `force=True` once when the ID token names a key it does not have.
    """

    def fetch_jwk_set(self, force=False):
        timeout = _settings().SIGNIN_TIMEOUT_SECONDS
        return jwks.CACHE.get(self.server_metadata["jwks_uri"], timeout=timeout, force=force)


def _settings():
    return current_app.config["SETTINGS"]


def callback_url(provider: str) -> str:
    """The redirect URI registered at the provider."""
    return _settings().PUBLIC_BASE_URL + url_for("identity.oauth_callback", provider=provider)


def client(provider: str) -> FlaskOAuth2App:
    """An Authlib client built from the current settings (tests point them at fakes)."""
    s = _settings()
    kwargs = {"code_challenge_method": "S256", "default_timeout": s.SIGNIN_TIMEOUT_SECONDS}
    if provider == "google":
        return GoogleApp(
            FlaskIntegration("google"),
            name="google",
            client_id=s.GOOGLE_CLIENT_ID,
            client_secret=s.GOOGLE_CLIENT_SECRET,
            authorize_url=s.GOOGLE_AUTHORIZE_URL,
            access_token_url=s.GOOGLE_TOKEN_URL,
            client_kwargs={**kwargs, "scope": "openid email profile"},
            # Server metadata given directly (no discovery request): the ID token's
            # signature is checked against these keys and its `iss` against this issuer.
            issuer=s.GOOGLE_ISSUER,
            jwks_uri=s.GOOGLE_JWKS_URL,
            id_token_signing_alg_values_supported=["RS256"],
        )
    base = s.YANDEX_OAUTH_URL.rstrip("/")
    return FlaskOAuth2App(
        FlaskIntegration("yandex"),
        name="yandex",
        client_id=s.YANDEX_CLIENT_ID,
        client_secret=s.YANDEX_CLIENT_SECRET,
        authorize_url=f"{base}/authorize",
        access_token_url=f"{base}/token",
        client_kwargs={**kwargs, "scope": "login:info login:email"},
    )


def start(provider: str, intent: str, invite: str = ""):
    """Redirect to the provider; the intent travels with Authlib's state in the session."""
    c = client(provider)
    redirect_uri = callback_url(provider)
    rv = c.create_authorization_url(redirect_uri)
    c.save_authorize_data(redirect_uri=redirect_uri, intent=intent, invite=invite, **rv)
    return redirect(rv["url"])


def finish(provider: str) -> tuple[Profile, dict]:
    """Check state, exchange the code (with the PKCE verifier), verify, return the profile."""
    c = client(provider)
    data = c.framework.get_state_data(session, request.args.get("state", "")) or {}
    intent = {"intent": data.get("intent", "login"), "invite": data.get("invite", "")}
    try:
        if provider == "google":
            token = c.authorize_access_token(claims_options=_google_claims())
            claims = token.get("userinfo")
            if not claims:  # no ID token came back: nothing verified, nothing trusted
                raise IdentityError("provider_failed")
            profile = Profile(
                "google",
                str(claims["sub"]),
                display_name=str(claims.get("name") or ""),
                email=str(claims.get("email") or "") if claims.get("email_verified") else "",
                login=str(claims.get("email") or "").partition("@")[0],
            )
        else:
            token = c.authorize_access_token()
            profile = _yandex_profile(token["access_token"])
    except IdentityError:
        raise
    except MismatchingStateError:
        raise IdentityError("state_mismatch") from None
    except (AuthlibBaseError, JoseError, requests.RequestException, KeyError, ValueError) as e:
        # The class name only: provider error texts may echo codes or tokens.
        current_app.logger.warning("sign-in with %s failed: %s", provider, type(e).__name__)
        raise IdentityError("provider_failed") from None
    return profile, intent


def _google_claims() -> dict:
    s = _settings()
    issuers = [s.GOOGLE_ISSUER]
    if s.GOOGLE_ISSUER.startswith("https://"):
        # Google signs with either form of its issuer.
        issuers.append(s.GOOGLE_ISSUER.removeprefix("https://"))
    return {
        "iss": {"essential": True, "values": issuers},
        "aud": {"essential": True, "value": s.GOOGLE_CLIENT_ID},
        "exp": {"essential": True},
    }


def _yandex_profile(access_token: str) -> Profile:
    s = _settings()
    resp = requests.get(
        f"{s.YANDEX_LOGIN_URL.rstrip('/')}/info",
        params={"format": "json"},
        headers={"Authorization": f"OAuth {access_token}"},
        timeout=s.SIGNIN_TIMEOUT_SECONDS,
    )
    resp.raise_for_status()
    info = resp.json()
    return Profile(
        "yandex",
        str(info["id"]),
        display_name=str(info.get("display_name") or info.get("real_name") or ""),
        email=str(info.get("default_email") or ""),
        login=str(info.get("login") or ""),
    )
