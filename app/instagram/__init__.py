"""Instagram API with Instagram Login: client, typed errors, data types."""

from app.instagram.client import InstagramClient
from app.instagram.errors import ErrorKind, InstagramError, classify
from app.instagram.oauth import DEFAULT_SCOPES, strip_code
from app.instagram.transport import DEFAULT_API_VERSION, redact
from app.instagram.types import (
    ContainerStatus,
    Page,
    Profile,
    PublishingLimit,
    SendResult,
    TokenResult,
)
from app.instagram.usage import AppUsage, BusinessUsage, UsageInfo, parse_usage_headers

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_SCOPES",
    "AppUsage",
    "BusinessUsage",
    "ContainerStatus",
    "ErrorKind",
    "InstagramClient",
    "InstagramError",
    "Page",
    "Profile",
    "PublishingLimit",
    "SendResult",
    "TokenResult",
    "UsageInfo",
    "classify",
    "parse_usage_headers",
    "redact",
    "strip_code",
]
