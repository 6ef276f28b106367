"""All models, imported so the metadata is complete."""

from app.models.account import AccountStatus, InstagramAccount, InstagramMedia
from app.models.api_token import ApiToken
from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow
from app.models.notification import Notification
from app.models.system import AuditLog, LoginAttempt, WorkerHeartbeat
from app.models.user import AuthSession, Membership, Role, User, Workspace

__all__ = [
    "AccountStatus",
    "InstagramAccount",
    "InstagramMedia",
    "ApiToken",
    "AuditLog",
    "AuthSession",
    "Base",
    "LoginAttempt",
    "Membership",
    "Notification",
    "Role",
    "User",
    "UTCDateTime",
    "WorkerHeartbeat",
    "Workspace",
    "WorkspaceOwned",
    "utcnow",
]
