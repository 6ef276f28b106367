"""The recurring jobs, each with a fixed id, registered at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler import jobs


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
    ]
