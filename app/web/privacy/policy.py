"""What the policy page says Kezek stores, derived from the data model and the settings."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.models import Base
from app.services.retention import RULES

# Every table belongs to one category; tests fail when a new table is missing here, so the
# policy never leaves out something Kezek keeps.
CATEGORIES = (
    (
        _l(
            "Your Kezek account: username, display name, language, time zone, password hash, "
            "sign-in sessions (IP address and browser), sign-in methods (provider id, name, "
            "e-mail), "
            "API tokens (hashes only), notification settings and workspace memberships"
        ),
        (
            "user",
            "auth_session",
            "identity",
            "api_token",
            "membership",
            "workspace",
            "invitation",
            "notification_preference",
        ),
    ),
    (
        _l(
            "Connected Instagram accounts: profile, encrypted access token, permissions, and the "
            "account's recent published media"
        ),
        ("instagram_account", "instagram_media"),
    ),
    (
        _l(
            "Publishing: posts with captions, schedule and step-by-step publishing log, uploaded "
            "media files, caption snippets"
        ),
        ("post", "post_media", "post_log", "media_item", "snippet"),
    ),
    (
        _l(
            "Inbox: comments, direct messages with customers (their Instagram id, username and "
            "picture), webhook deliveries from Instagram, and actions taken"
        ),
        (
            "inbox_thread",
            "inbox_comment",
            "inbox_message",
            "inbox_action",
            "inbox_sync_state",
            "webhook_event",
        ),
    ),
    (
        _l(
            "Analytics: daily follower and profile snapshots, account and media insights, audience "
            "demographics"
        ),
        (
            "follower_snapshot",
            "workspace_follower_day",
            "profile_snapshot",
            "account_insight_day",
            "workspace_insight_day",
            "media_insight",
            "audience_breakdown",
            "analytics_state",
        ),
    ),
    (
        _l(
            "Automations: reply rules and DM flows, contacts who wrote to your accounts (their "
            "Instagram-scoped id, username, tags and fields you set), the automation queue and "
            "log, and the links sent in automated messages with each click on them (which "
            "contact, when; no IP address)"
        ),
        (
            "automation_rule",
            "automation_action",
            "automation_rule_post",
            "automation_flow",
            "automation_flow_step",
            "automation_flow_run",
            "automation_event",
            "automation_firing",
            "automation_cooldown",
            "automation_quota",
            "automation_link",
            "automation_link_click",
            "contact",
            "contact_field_value",
            "contact_tag",
            "custom_field",
            "tag",
        ),
    ),
    (
        _l(
            "AI assistant: its settings and business profile per account, the knowledge you "
            "give it, its state in each inbox thread, and a log of model calls"
        ),
        ("assistant_settings", "assistant_knowledge", "assistant_thread", "assistant_call"),
    ),
    (
        _l(
            "Outgoing webhooks: the URLs you registered for events, their signing secrets "
            "(encrypted) and a log of each delivery, kept for 30 days"
        ),
        ("webhook_endpoint", "webhook_delivery"),
    ),
    (
        _l("Notifications shown in Kezek and sent by e-mail or Telegram"),
        ("notification", "notification_delivery"),
    ),
    (
        _l(
            "Security and compliance records: the audit log (who did what, when, from which IP), "
            "sign-in attempts, data export and deletion requests, retention runs, worker status"
        ),
        (
            "audit_log",
            "login_attempt",
            "export_job",
            "deletion_request",
            "retention_run",
            "worker_heartbeat",
        ),
    ),
)

RULE_LABELS = {
    "inbox": _l("Inbox threads with their comments and messages, after the last activity"),
    "follower_snapshots": _l("Follower snapshots and daily account insights"),
    "profile_snapshots": _l("Profile snapshots"),
    "audit_log": _l("Audit log and sign-in attempts"),
    "dead_tokens": _l("Expired, revoked or dead access tokens"),
    "deauthorized_accounts": _l(
        "Data of accounts removed from Kezek on Instagram (unless reconnected before)"
    ),
    "uploads": _l("Uploaded files not attached to any post"),
    "exports": _l("Data export files"),
    "deletion_records": _l("Records of completed deletion requests (code, dates and state)"),
}


def uncategorised() -> list[str]:
    """Tables of the data model the policy does not describe (should be none)."""
    known = {t for _label, tables in CATEGORIES for t in tables}
    return sorted(set(Base.metadata.tables) - known)


def categories() -> list[tuple[str, tuple[str, ...]]]:
    """Categories that exist in the current data model, plus anything not yet described."""
    present = set(Base.metadata.tables)
    result = [(label, tuple(t for t in tables if t in present)) for label, tables in CATEGORIES]
    result = [(label, tables) for label, tables in result if tables]
    extra = uncategorised()
    if extra:
        result.append((_l("Other records"), tuple(extra)))
    return result


def retention_rows(settings) -> list[tuple[str, str, str, int, str]]:
    """(key, label, setting, value, unit) for every retention rule."""
    return [
        (r.key, RULE_LABELS[r.key], r.setting, getattr(settings, r.setting), r.unit) for r in RULES
    ]


def terms_text(settings) -> str:
    """The operator's terms: TERMS_FILE if readable, else TERMS_TEXT."""
    if settings.TERMS_FILE:
        try:
            return Path(settings.TERMS_FILE).read_text(encoding="utf-8")
        except OSError:
            pass
    return settings.TERMS_TEXT
