"""All models, imported so the metadata is complete."""

from app.models.account import AccountStatus, InstagramAccount, InstagramMedia
from app.models.analytics import (
    AccountInsightDay,
    AnalyticsState,
    AudienceBreakdown,
    FollowerSnapshot,
    MediaInsight,
    ProfileSnapshot,
    WorkspaceFollowerDay,
    WorkspaceInsightDay,
)
from app.models.api_token import ApiToken
from app.models.assistant import AssistantCall, AssistantSettings, AssistantThread, KnowledgeItem
from app.models.automation import (
    AutomationAction,
    AutomationCooldown,
    AutomationEvent,
    AutomationFiring,
    AutomationQuota,
    AutomationRule,
    AutomationRulePost,
    Contact,
    ContactFieldValue,
    CustomField,
    FieldType,
    MatchMode,
    Tag,
    Trigger,
)
from app.models.automation_flow import (
    AutomationFlow,
    AutomationFlowStep,
    AutomationLink,
    AutomationLinkClick,
    FlowRun,
)
from app.models.base import Base, UTCDateTime, WorkspaceOwned, utcnow
from app.models.delivery import Channel, NotificationDelivery, NotificationPreference, NotifyEvent
from app.models.identity import Identity
from app.models.inbox import (
    InboxAction,
    InboxComment,
    InboxMessage,
    InboxSyncState,
    InboxThread,
    ThreadKind,
    ThreadStatus,
    WebhookEvent,
)
from app.models.invitation import Invitation
from app.models.media import MediaItem, MediaKind, MediaState
from app.models.notification import Notification
from app.models.outgoing_webhook import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.models.post import Post, PostLog, PostMedia, PostStatus, PostType
from app.models.privacy import DeletionRequest, ExportJob, RetentionRun
from app.models.snippet import Snippet, SnippetKind
from app.models.system import AuditLog, LoginAttempt, WorkerHeartbeat
from app.models.user import AuthSession, Membership, Role, User, Workspace

__all__ = [
    "AccountInsightDay",
    "AnalyticsState",
    "AudienceBreakdown",
    "FollowerSnapshot",
    "MediaInsight",
    "ProfileSnapshot",
    "WorkspaceFollowerDay",
    "WorkspaceInsightDay",
    "Identity",
    "Invitation",
    "InboxAction",
    "InboxComment",
    "InboxMessage",
    "InboxSyncState",
    "InboxThread",
    "ThreadKind",
    "ThreadStatus",
    "WebhookEvent",
    "Channel",
    "NotificationDelivery",
    "NotificationPreference",
    "NotifyEvent",
    "Snippet",
    "SnippetKind",
    "MediaItem",
    "MediaKind",
    "MediaState",
    "AccountStatus",
    "InstagramAccount",
    "InstagramMedia",
    "ApiToken",
    "AssistantCall",
    "AssistantSettings",
    "AssistantThread",
    "KnowledgeItem",
    "AutomationAction",
    "AutomationCooldown",
    "AutomationEvent",
    "AutomationFiring",
    "AutomationFlow",
    "AutomationLink",
    "AutomationLinkClick",
    "AutomationFlowStep",
    "AutomationQuota",
    "AutomationRule",
    "AutomationRulePost",
    "Contact",
    "ContactFieldValue",
    "CustomField",
    "FieldType",
    "FlowRun",
    "MatchMode",
    "Tag",
    "Trigger",
    "AuditLog",
    "DeletionRequest",
    "ExportJob",
    "RetentionRun",
    "AuthSession",
    "Base",
    "LoginAttempt",
    "Membership",
    "Notification",
    "Post",
    "PostLog",
    "PostMedia",
    "PostStatus",
    "PostType",
    "Role",
    "User",
    "UTCDateTime",
    "WorkerHeartbeat",
    "Workspace",
    "WorkspaceOwned",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
