"""The recurring jobs, each with a fixed id, registered at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler import (
    analytics_jobs,
    assistant_jobs,
    automation_jobs,
    delivery,
    inbox_jobs,
    jobs,
    media_jobs,
    privacy_jobs,
    webhook_jobs,
)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Any
    trigger: str
    kwargs: dict


def job_specs(settings) -> list[JobSpec]:
    """Every recurring job with its trigger."""
    return [
        JobSpec("heartbeat", jobs.heartbeat, "interval", {"seconds": settings.HEARTBEAT_SECONDS}),
        JobSpec("prune_login_attempts", jobs.prune_login_attempts, "interval", {"hours": 1}),
        JobSpec("refresh_tokens", jobs.refresh_tokens, "interval", {"minutes": 30}),
        JobSpec("sync_accounts", jobs.sync_accounts, "interval", {"seconds": 30}),
        JobSpec(
            "process_webhooks",
            inbox_jobs.process_webhooks,
            "interval",
            {"seconds": settings.INBOX_PROCESS_SECONDS},
        ),
        JobSpec("sync_inbox", inbox_jobs.sync_inbox, "interval", {"seconds": 60}),
        JobSpec(
            "run_automations",
            automation_jobs.run_automations,
            "interval",
            {"seconds": settings.AUTOMATION_PROCESS_SECONDS},
        ),
        JobSpec(
            "assistant_auto_reply",
            assistant_jobs.assistant_auto_reply,
            "interval",
            {"seconds": settings.AI_PROCESS_SECONDS},
        ),
        JobSpec(
            "automation_housekeeping",
            automation_jobs.automation_housekeeping,
            "interval",
            {"seconds": 60},
        ),
        JobSpec("publish_due", jobs.publish_due, "interval", {"seconds": 1}),
        JobSpec("fill_post_permalinks", jobs.fill_post_permalinks, "interval", {"seconds": 15}),
        JobSpec(
            "deliver_notifications", delivery.deliver_notifications, "interval", {"seconds": 15}
        ),
        JobSpec("deliver_webhooks", webhook_jobs.deliver_webhooks, "interval", {"seconds": 15}),
        JobSpec(
            "purge_webhook_deliveries",
            webhook_jobs.purge_webhook_deliveries,
            "interval",
            {"hours": 6},
        ),
        JobSpec("transcode_media", media_jobs.transcode_media, "interval", {"seconds": 5}),
        JobSpec("media_lifecycle", media_jobs.media_lifecycle, "interval", {"minutes": 10}),
        JobSpec(
            "analytics_snapshots", analytics_jobs.analytics_snapshots, "interval", {"seconds": 60}
        ),
        JobSpec("analytics_collect", analytics_jobs.analytics_collect, "interval", {"minutes": 5}),
        # Inbox and analytics retention run inside the one daily privacy retention job.
        JobSpec("deletion_requests", privacy_jobs.deletion_requests, "interval", {"seconds": 60}),
        JobSpec("data_exports", privacy_jobs.data_exports, "interval", {"seconds": 5}),
        JobSpec("retention", privacy_jobs.retention, "interval", {"hours": 24}),
    ]
