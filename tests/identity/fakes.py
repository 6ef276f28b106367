"""Local fakes of Google, Yandex and Telegram sign-in, served over real HTTP.

Each keeps just enough of the real protocol to fail where the real one fails: client
credentials, redirect URI, PKCE (S256) and single-use codes at the token endpoint; RS256 ID
tokens with a JWKS (Google); `Authorization: OAuth <token>` at login.yandex.ru/info; and the
Login Widget's HMAC-signed redirect (Telegram).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

from flask import Flask, Response, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from markupsafe import escape

_KEYS: dict[str, RSAKey] = {}


def rsa_key(kid: str) -> RSAKey:
    """One RSA key per kid for the whole test run (generating them is slow)."""
    if kid not in _KEYS:
        _KEYS[kid] = RSAKey.generate_key(2048, parameters={"kid": kid})
    return _KEYS[kid]


def _with_query(url: str, params: dict) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class FakeOAuth:
    """Google (OpenID Connect) or Yandex OAuth, depending on `kind`."""

    def __init__(self, kind: str, client_id: str, client_secret: str):
        self.kind = kind
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = "https://accounts.fake-google.test"
        self.user = {"sub": "g-1001", "email": "dana@example.com", "name": "Dana Abenova"}
        self.consent_page = False
        self.claims_override: dict = {}
        # ID tokens name key `kid` in their header and are signed with `signing_key` (another
        # key makes a bad signature); /certs publishes the keys in `published`, with
        # `cache_control` as Google sends it, and counts its requests.
        self.kid = "google-1"
        self.signing_key = "google-1"
        self.published = ["google-1"]
        self.cache_control = "public, max-age=20925, must-revalidate, no-transform"
        self.certs_requests = 0
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.authorize_requests: list[dict] = []
        self.app = self._make_app()

    def _make_app(self) -> Flask:
        app = Flask(f"fake_{self.kind}")
        app.add_url_rule("/authorize", view_func=self.authorize)
        app.add_url_rule("/approve", view_func=self.approve, methods=["POST"])
        app.add_url_rule("/token", view_func=self.token, methods=["POST"])
        app.add_url_rule("/certs", view_func=self.certs)
        app.add_url_rule("/info", view_func=self.info)
        return app

    def authorize(self):
        args = request.args.to_dict()
        self.authorize_requests.append(args)
        if args.get("client_id") != self.client_id or args.get("response_type") != "code":
            abort(400)
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            abort(400)
        if self.consent_page:
            fields = "".join(
                f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                for k, v in args.items()
            )
            name = escape(self.user.get("name") or self.user.get("display_name", ""))
            return (
                '<!doctype html><title>Fake sign-in</title><link rel="icon" href="data:,">'
                "<form method=post action=approve>"
                f'{fields}<button id="approve" type="submit">Continue as {name}</button></form>'
            )
        return self._issue(args)

    def approve(self):
        return self._issue(request.form.to_dict())

    def _issue(self, args: dict):
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**args, "user": dict(self.user), "used": False}
        params = {"code": code}
        if "state" in args:
            params["state"] = args["state"]
        return redirect(_with_query(args["redirect_uri"], params))

    def _client_ok(self) -> bool:
        auth = request.authorization
        if auth is not None:
            return (auth.username, auth.password) == (self.client_id, self.client_secret)
        form = request.form
        return (form.get("client_id"), form.get("client_secret")) == (
            self.client_id,
            self.client_secret,
        )

    def token(self):
        form = request.form.to_dict()
        self.token_requests.append(form)
        if not self._client_ok():
            return jsonify(error="invalid_client"), 401
        grant = self.codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"]:
            return jsonify(error="invalid_grant"), 400
        grant["used"] = True  # a code works once, even if the rest of the request is wrong
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return jsonify(error="invalid_grant"), 400
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != grant["code_challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE"), 400
        access = secrets.token_urlsafe(16)
        self.tokens[access] = grant["user"]
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        if self.kind == "google":
            body["id_token"] = self._id_token(grant)
        return jsonify(body)

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": grant["user"]["sub"],
            "email": grant["user"].get("email", ""),
            "email_verified": True,
            "name": grant["user"].get("name", ""),
            "iat": now,
            "exp": now + 3600,
            "nonce": grant.get("nonce", ""),
            **self.claims_override,
        }
        return jwt.encode({"alg": "RS256", "kid": self.kid}, claims, rsa_key(self.signing_key))

    def rotate(self, kid: str) -> None:
        """Publish a new key next to the old one and sign with it from now on."""
        self.published.append(kid)
        self.kid = self.signing_key = kid

    def certs(self):
        self.certs_requests += 1
        resp = jsonify({"keys": [rsa_key(k).as_dict(private=False) for k in self.published]})
        resp.headers["Cache-Control"] = self.cache_control
        return resp

    def info(self):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme != "OAuth" or token not in self.tokens:
            return jsonify(error="invalid_token"), 401
        return jsonify(self.tokens[token])


class FakeTelegram:
    """oauth.telegram.org's part of the Login Widget: a confirmed user is sent back to the
    widget's data-auth-url with the user's fields and their HMAC."""

    def __init__(self, bot_token: str):
        self.bot_token = bot_token
        self.app = Flask("fake_telegram")
        self.app.add_url_rule("/js/telegram-widget.js", view_func=self.script)
        self.app.add_url_rule("/auth", view_func=self.auth)

    def script(self):
        return Response("/* fake Telegram widget */", mimetype="application/javascript")

    def sign(self, fields: dict) -> dict:
        """The fields plus Telegram's `hash`."""
        data = {k: str(v) for k, v in fields.items()}
        check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
        key = hashlib.sha256(self.bot_token.encode()).digest()
        data["hash"] = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
        return data

    def auth(self):
        args = request.args.to_dict()
        return_to = args.pop("return_to")
        args.setdefault("auth_date", str(int(time.time())))
        return redirect(_with_query(return_to, self.sign(args)))
