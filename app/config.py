"""Settings read from the environment, typed, failing fast on missing secrets."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"

ENVIRONMENTS = ("development", "production", "testing")
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "replace-me", "placeholder")


class ConfigError(Exception):
    """A setting is missing, a placeholder, or malformed."""

    def __init__(self, variable: str, problem: str):
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


def is_placeholder(value: str) -> bool:
    """Tell whether a value is empty or one of the .env.example placeholders."""
    v = value.strip().lower()
    return not v or v.startswith("<") or any(m in v for m in PLACEHOLDER_MARKERS)


def _bool(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(name, "must be a whole number") from None


def parse_token_keys(raw: str) -> list[tuple[str, bytes]]:
    """Parse TOKEN_ENCRYPTION_KEYS: comma-separated `id:base64(32 bytes)`, newest first."""
    keys: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key_id, sep, b64 = item.partition(":")
        if not sep or not key_id.strip():
            raise ConfigError("TOKEN_ENCRYPTION_KEYS", "each key must be written id:base64key")
        try:
            key = base64.urlsafe_b64decode(b64.strip() + "=" * (-len(b64.strip()) % 4))
        except (ValueError, TypeError):
            raise ConfigError("TOKEN_ENCRYPTION_KEYS", f"key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise ConfigError("TOKEN_ENCRYPTION_KEYS", f"key {key_id!r} must be 32 bytes (AES-256)")
        keys.append((key_id.strip(), key))
    if not keys:
        raise ConfigError("TOKEN_ENCRYPTION_KEYS", "is missing")
    if len({k for k, _ in keys}) != len(keys):
        raise ConfigError("TOKEN_ENCRYPTION_KEYS", "key ids must be unique")
    return keys


def _dev_secret(name: str, make) -> str:
    """Read or create a development-only secret under var/ so sessions survive restarts."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"dev-{name.lower()}"
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass
class Settings:
    """Every setting Kezek reads; names match the environment variables."""

    KEZEK_ENV: str = "development"
    SECRET_KEY: str = ""
    TOKEN_ENCRYPTION_KEYS: str = ""
    DATABASE_URL: str = ""
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"
    DEFAULT_LOCALE: str = "ru"
    DEFAULT_TIMEZONE: str = "Asia/Almaty"
    PORT: int = 8000
    PROXY_HOPS: int = -1
    LOG_LEVEL: str = "INFO"
    MEDIA_DIR: str = ""
    MEDIA_MAX_IMAGE_BYTES: int = 30 * 1024 * 1024
    MEDIA_MAX_VIDEO_BYTES: int = 300 * 1024 * 1024
    MEDIA_MAX_PIXELS: int = 60_000_000
    MEDIA_KEEP_PUBLISHED: bool = True
    # 0: UPLOAD_ORPHAN_HOURS (the retention policy's period for unattached uploads).
    MEDIA_UNUSED_TTL_SECONDS: int = 0
    MEDIA_CHECK_TIMEOUT_SECONDS: int = 5
    # Where media files live: local (MEDIA_DIR) or s3 (an S3-compatible bucket, for several
    # servers). S3 credentials only from the environment; both empty: boto3's own chain.
    MEDIA_STORAGE: str = "local"
    S3_ENDPOINT_URL: str = ""
    S3_BUCKET: str = ""
    S3_REGION: str = ""
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    S3_PREFIX: str = ""
    S3_PUBLIC_URL_MODE: str = "proxy"
    S3_PRESIGN_SECONDS: int = 900
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_WINDOW_SECONDS: int = 900
    LOGIN_LOCKOUT_SECONDS: int = 900
    HEARTBEAT_SECONDS: int = 30
    BCRYPT_ROUNDS: int = 12
    API_RATE_LIMIT_PER_MINUTE: int = 120
    DB_CONNECT_RETRY_SECONDS: int = 60
    INSTAGRAM_APP_ID: str = ""
    INSTAGRAM_APP_SECRET: str = ""
    META_APP_SECRET: str = ""
    INSTAGRAM_WEBHOOK_VERIFY_TOKEN: str = ""
    INSTAGRAM_GRAPH_URL: str = ""
    INSTAGRAM_API_URL: str = ""
    INSTAGRAM_AUTHORIZE_URL: str = ""
    INSTAGRAM_API_VERSION: str = "v25.0"
    INSTAGRAM_TIMEOUT_SECONDS: int = 20
    WEBHOOK_MAX_BYTES: int = 2 * 1024 * 1024
    INBOX_HUMAN_AGENT_TAG: bool = False
    INBOX_RETENTION_DAYS: int = 365
    INBOX_PROCESS_SECONDS: int = 2
    INBOX_SYNC_MINUTES: int = 5
    INBOX_POLL_SECONDS: int = 5
    # Automations: a random pause before each automated reply ("min-max" seconds, or one
    # number), how often the worker looks for work, and per-account hourly caps kept below
    # Meta's limits (private replies: 750 calls/hour per account).
    AUTOMATION_DELAY_SECONDS: str = "3-12"
    AUTOMATION_PROCESS_SECONDS: int = 2
    AUTOMATION_MAX_REPLIES_PER_HOUR: int = 120
    AUTOMATION_MAX_MESSAGES_PER_HOUR: int = 500
    # AI assistant: any OpenAI-compatible /v1/chat/completions server (unset: no assistant).
    AI_API_BASE_URL: str = ""
    AI_API_KEY: str = ""
    AI_MODEL: str = ""
    AI_TIMEOUT_SECONDS: int = 20
    AI_MAX_RETRIES: int = 1
    AI_DISCLOSE_AUTOMATED: bool = True
    AI_CONTEXT_MESSAGES: int = 12
    AI_MAX_TOKENS: int = 400
    AI_JSON_MODE: bool = True
    AI_PROCESS_SECONDS: int = 5
    AI_REPLY_DELAY_SECONDS: int = 15
    SANDBOX: bool = False
    SMTP_URL: str = ""
    SMTP_FROM: str = "kezek@localhost"
    TELEGRAM_BOT_TOKEN: str = ""
    TELEGRAM_API_URL: str = "https://api.telegram.org"
    NOTIFY_TIMEOUT_SECONDS: int = 10
    # Outgoing webhooks: per-request timeout; private/loopback targets (empty: allowed only
    # outside production).
    OUTGOING_WEBHOOKS_TIMEOUT_SECONDS: int = 5
    OUTGOING_WEBHOOKS_ALLOW_PRIVATE: str | bool = ""
    PUBLISH_VIDEO_LEAD_SECONDS: int = 900
    PUBLISH_DEADLINE_SECONDS: int = 6 * 3600
    PUBLISH_POLL_SECONDS: int = 60
    PUBLISH_LEASE_SECONDS: int = 120
    PUBLISH_THREADS: int = 32
    PUBLISH_PERMALINK_LOOKUP: bool = True
    ANALYTICS_SNAPSHOT_HOUR: int = 6
    # Sign-in with Telegram, Google and Yandex: each enabled when its credentials are set.
    TELEGRAM_LOGIN_BOT_TOKEN: str = ""
    TELEGRAM_LOGIN_BOT_NAME: str = ""
    TELEGRAM_WIDGET_URL: str = "https://telegram.org/js/telegram-widget.js?22"
    TELEGRAM_OAUTH_URL: str = "https://oauth.telegram.org"
    GOOGLE_CLIENT_ID: str = ""
    GOOGLE_CLIENT_SECRET: str = ""
    GOOGLE_AUTHORIZE_URL: str = "https://accounts.google.com/o/oauth2/v2/auth"
    GOOGLE_TOKEN_URL: str = "https://oauth2.googleapis.com/token"
    GOOGLE_JWKS_URL: str = "https://www.googleapis.com/oauth2/v3/certs"
    GOOGLE_ISSUER: str = "https://accounts.google.com"
    YANDEX_CLIENT_ID: str = ""
    YANDEX_CLIENT_SECRET: str = ""
    YANDEX_OAUTH_URL: str = "https://oauth.yandex.ru"
    YANDEX_LOGIN_URL: str = "https://login.yandex.ru"
    SIGNIN_TIMEOUT_SECONDS: int = 10
    # Privacy: the operator named on /privacy and /terms, and every retention period (one
    # place; INBOX_RETENTION_DAYS above belongs to the same policy).
    OPERATOR_NAME: str = ""
    OPERATOR_CONTACT_EMAIL: str = ""
    OPERATOR_COUNTRY: str = ""
    OPERATOR_HOSTING_LOCATION: str = ""
    TERMS_TEXT: str = ""
    TERMS_FILE: str = ""
    SIGNED_REQUEST_MAX_AGE_SECONDS: int = 86400
    FOLLOWER_SNAPSHOT_RETENTION_DAYS: int = 729
    PROFILE_SNAPSHOT_RETENTION_DAYS: int = 30
    AUDIT_LOG_RETENTION_DAYS: int = 30
    DEAD_TOKEN_RETENTION_DAYS: int = 30
    DELETED_ACCOUNT_GRACE_DAYS: int = 30
    DELETION_RECORD_RETENTION_DAYS: int = 90
    UPLOAD_ORPHAN_HOURS: int = 2
    EXPORT_RETENTION_HOURS: int = 24
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.KEZEK_ENV == "production"

    @property
    def token_keys(self) -> list[tuple[str, bytes]]:
        return parse_token_keys(self.TOKEN_ENCRYPTION_KEYS)


SECRETS = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS")
RETENTION_SETTINGS = (
    "INBOX_RETENTION_DAYS",
    "FOLLOWER_SNAPSHOT_RETENTION_DAYS",
    "PROFILE_SNAPSHOT_RETENTION_DAYS",
    "AUDIT_LOG_RETENTION_DAYS",
    "DEAD_TOKEN_RETENTION_DAYS",
    "DELETED_ACCOUNT_GRACE_DAYS",
    "DELETION_RECORD_RETENTION_DAYS",
    "UPLOAD_ORPHAN_HOURS",
    "EXPORT_RETENTION_HOURS",
    "SIGNED_REQUEST_MAX_AGE_SECONDS",
)


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from the environment (and overrides), validating secrets."""
    if environ is None:
        from dotenv import load_dotenv

        # Local runs read .env; real environment variables win over it.
        load_dotenv(ROOT / ".env", override=False)
    env = dict(os.environ if environ is None else environ)
    s = Settings()
    for f in fields(Settings):
        if f.name == "extra" or f.name not in env:
            continue
        raw = env[f.name]
        if f.type in ("int", int):
            setattr(s, f.name, _int(f.name, raw))
        elif f.type in ("bool", bool):
            setattr(s, f.name, _bool(raw))
        else:
            setattr(s, f.name, raw.strip())
    for key, value in overrides.items():
        if hasattr(s, key) and key != "extra":
            setattr(s, key, value)
        else:
            s.extra[key] = value
    _validate(s)
    return s


def _validate(s: Settings) -> None:
    if s.KEZEK_ENV not in ENVIRONMENTS:
        raise ConfigError("KEZEK_ENV", f"must be one of {', '.join(ENVIRONMENTS[:2])}")
    if s.is_production:
        for name in SECRETS:
            if is_placeholder(getattr(s, name)):
                raise ConfigError(name, "is missing or still a placeholder")
        if len(s.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY", "must be at least 32 characters")
        if not s.DATABASE_URL:
            raise ConfigError("DATABASE_URL", "is missing")
        if not s.PUBLIC_BASE_URL.startswith("https://"):
            raise ConfigError("PUBLIC_BASE_URL", "must be an https:// URL in production")
    else:
        if not s.SECRET_KEY:
            s.SECRET_KEY = _dev_secret("SECRET_KEY", lambda: secrets.token_urlsafe(48))
        if not s.TOKEN_ENCRYPTION_KEYS:
            s.TOKEN_ENCRYPTION_KEYS = _dev_secret(
                "TOKEN_ENCRYPTION_KEYS",
                lambda: "dev1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            )
    s.token_keys  # noqa: B018 - parse now so a bad key fails at start-up
    if not s.DATABASE_URL:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        s.DATABASE_URL = f"sqlite:///{VAR_DIR / 'kezek.db'}"
    if not s.MEDIA_DIR:
        s.MEDIA_DIR = str(VAR_DIR / "media")
    if s.DEFAULT_LOCALE not in ("ru", "kk", "en"):
        raise ConfigError("DEFAULT_LOCALE", "must be one of ru, kk, en")
    s.PUBLIC_BASE_URL = s.PUBLIC_BASE_URL.rstrip("/")
    for name in ("MEDIA_MAX_IMAGE_BYTES", "MEDIA_MAX_VIDEO_BYTES", "MEDIA_MAX_PIXELS"):
        if getattr(s, name) < 1:
            raise ConfigError(name, "must be a positive number")
    for name in RETENTION_SETTINGS:
        if getattr(s, name) < 1:
            raise ConfigError(name, "must be a positive number")
    _validate_storage(s)
    if not s.MEDIA_UNUSED_TTL_SECONDS:
        s.MEDIA_UNUSED_TTL_SECONDS = s.UPLOAD_ORPHAN_HOURS * 3600
    if not 0 <= s.ANALYTICS_SNAPSHOT_HOUR <= 23:
        raise ConfigError("ANALYTICS_SNAPSHOT_HOUR", "must be an hour from 0 to 23")
    if s.API_RATE_LIMIT_PER_MINUTE < 1:
        raise ConfigError("API_RATE_LIMIT_PER_MINUTE", "must be at least 1")
    if s.PROXY_HOPS < 0:
        # Behind Traefik in production: trust exactly one proxy hop.
        s.PROXY_HOPS = 1 if s.is_production else 0
    raw_private = str(s.OUTGOING_WEBHOOKS_ALLOW_PRIVATE).strip()
    s.OUTGOING_WEBHOOKS_ALLOW_PRIVATE = _bool(raw_private) if raw_private else not s.is_production
    if not 1 <= s.OUTGOING_WEBHOOKS_TIMEOUT_SECONDS <= 60:
        raise ConfigError("OUTGOING_WEBHOOKS_TIMEOUT_SECONDS", "must be from 1 to 60 seconds")
    if not s.INSTAGRAM_APP_ID and not s.is_production:
        s.SANDBOX = True
    base = f"{s.PUBLIC_BASE_URL}/_sandbox" if s.SANDBOX else ""
    s.INSTAGRAM_GRAPH_URL = s.INSTAGRAM_GRAPH_URL or base or "https://graph.instagram.com"
    s.INSTAGRAM_API_URL = s.INSTAGRAM_API_URL or base or "https://api.instagram.com"
    s.INSTAGRAM_AUTHORIZE_URL = s.INSTAGRAM_AUTHORIZE_URL or (
        f"{base}/oauth/authorize" if base else "https://www.instagram.com/oauth/authorize"
    )
    if s.SANDBOX:
        s.INSTAGRAM_APP_ID = s.INSTAGRAM_APP_ID or "sandbox-app"
        s.INSTAGRAM_APP_SECRET = s.INSTAGRAM_APP_SECRET or "sandbox-secret"
        s.INSTAGRAM_WEBHOOK_VERIFY_TOKEN = s.INSTAGRAM_WEBHOOK_VERIFY_TOKEN or "sandbox-verify"


def _validate_storage(s: Settings) -> None:
    """MEDIA_STORAGE and, for s3, the bucket settings (messages never quote the values)."""
    s.MEDIA_STORAGE = s.MEDIA_STORAGE.lower() or "local"
    if s.MEDIA_STORAGE not in ("local", "s3"):
        raise ConfigError("MEDIA_STORAGE", "must be local or s3")
    if s.MEDIA_STORAGE != "s3":
        return
    if is_placeholder(s.S3_BUCKET):
        raise ConfigError("S3_BUCKET", "is missing or still a placeholder")
    if s.S3_ENDPOINT_URL and not s.S3_ENDPOINT_URL.startswith(("https://", "http://")):
        raise ConfigError("S3_ENDPOINT_URL", "must be an http(s):// URL (empty: AWS S3)")
    if bool(s.S3_ACCESS_KEY_ID) != bool(s.S3_SECRET_ACCESS_KEY):
        raise ConfigError("S3_SECRET_ACCESS_KEY", "set both S3 keys, or neither")
    for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        if getattr(s, name) and is_placeholder(getattr(s, name)):
            raise ConfigError(name, "is still a placeholder")
    s.S3_PUBLIC_URL_MODE = s.S3_PUBLIC_URL_MODE.lower()
    if s.S3_PUBLIC_URL_MODE not in ("proxy", "presigned"):
        raise ConfigError("S3_PUBLIC_URL_MODE", "must be proxy or presigned")
    if not 60 <= s.S3_PRESIGN_SECONDS <= 7 * 86400:
        raise ConfigError("S3_PRESIGN_SECONDS", "must be from 60 to 604800 seconds")
