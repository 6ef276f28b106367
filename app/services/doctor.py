"""The Instagram set-up check: what is configured, and how each account stands."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.instagram import DEFAULT_SCOPES, InstagramError
from app.models import InstagramAccount, utcnow
from app.services.crypto import TokenCryptoError
from app.services.instagram import WEBHOOK_FIELDS, make_client, read_token, usage_recorder


@dataclass
class Check:
    """One line of the report: a key naming the check, pass/fail, and its parameters."""

    key: str
    ok: bool
    params: dict = field(default_factory=dict)


@dataclass
class AccountReport:
    account: InstagramAccount
    checks: list[Check]


@dataclass
class Report:
    settings: list[Check]
    urls: dict[str, str]
    accounts: list[AccountReport]

    @property
    def ok(self) -> bool:
        every = self.settings + [c for a in self.accounts for c in a.checks]
        return all(c.ok for c in every)


def _public_host_ok(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in ("localhost",) or host.endswith(".local") or host.endswith(".localhost"):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved)


def meta_urls(settings) -> dict[str, str]:
    """The exact URLs to paste into Meta's app dashboard."""
    base = settings.PUBLIC_BASE_URL
    return {
        "oauth_redirect": f"{base}/accounts/oauth/callback",
        "webhook": f"{base}/webhooks/instagram",
        "deauthorize": f"{base}/meta/deauthorize",
        "data_deletion": f"{base}/meta/data-deletion",
    }


def settings_checks(settings) -> list[Check]:
    """Checks that need no Instagram call."""
    url = settings.PUBLIC_BASE_URL
    checks = [
        Check("app_id", bool(settings.INSTAGRAM_APP_ID)),
        Check("app_secret", bool(settings.INSTAGRAM_APP_SECRET)),
        Check("verify_token", bool(settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN)),
    ]
    if settings.is_production:
        checks.append(Check("https", url.startswith("https://"), {"url": url}))
        checks.append(Check("public_host", _public_host_ok(url), {"url": url}))
    else:
        checks.append(Check("dev_mode", True, {"url": url}))
    return checks


def account_checks(session: Session, settings, client, account: InstagramAccount) -> list[Check]:
    """Token validity and expiry, permissions, webhook subscription, last webhook."""
    granted = {p for p in (account.permissions or "").split(",") if p}
    missing = [p for p in DEFAULT_SCOPES if p not in granted]
    checks = [
        Check("permissions", not missing, {"missing": ", ".join(missing)}),
        Check(
            "last_webhook", account.last_webhook_at is not None, {"when": account.last_webhook_at}
        ),
    ]
    try:
        token = read_token(settings, account)
    except TokenCryptoError:
        return [Check("token", False, {"expires": account.token_expires_at}), *checks]
    expires = account.token_expires_at
    try:
        client.get_profile(token)
        token_ok = expires is None or expires > utcnow()
    except InstagramError:
        token_ok = False
    checks.insert(0, Check("token", token_ok, {"expires": expires}))
    try:
        subs = client.list_webhook_subscriptions(token)
        fields = {f for sub in subs for f in (sub.get("subscribed_fields") or [])}
        sub_ok = {"comments", "messages"} <= fields
    except InstagramError:
        sub_ok, fields = False, set()
    checks.insert(
        1,
        Check(
            "webhook_subscription",
            sub_ok,
            {"fields": ", ".join(sorted(fields)) or "—", "wanted": ", ".join(WEBHOOK_FIELDS)},
        ),
    )
    return checks


def run_checks(session: Session, settings) -> Report:
    """The whole report (calls Instagram once or twice per account)."""
    client = make_client(settings, on_usage=usage_recorder(session))
    accounts = session.scalars(select(InstagramAccount).order_by(InstagramAccount.username))
    return Report(
        settings=settings_checks(settings),
        urls=meta_urls(settings),
        accounts=[AccountReport(a, account_checks(session, settings, client, a)) for a in accounts],
    )
