"""What the worker does about each kind of Instagram error, waits and failures (mixin)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.instagram import ErrorKind, InstagramError
from app.models.post import Post, PostStatus
from app.services.notifications import notify
from app.services.outgoing_webhooks import events as webhook_events
from app.services.publisher_pause import PAUSED

BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 900
MAX_RECREATE = 3
SLOW_DOWN_PERCENT = 75
QUOTA_FALLBACK = timedelta(hours=1)


def backoff_seconds(attempts: int, retry_after: int | None, usage_percent: int) -> float:
    """Exponential back-off with full jitter, at least retry_after, slower above 75 % usage."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    if usage_percent >= SLOW_DOWN_PERCENT:
        # Scale up to 4x between 75 % and 100 % of the account's recorded usage.
        delay *= 1 + 3 * min(1.0, (usage_percent - SLOW_DOWN_PERCENT) / 25)
    return max(delay, float(retry_after or 0))


class ErrorPolicy:
    """Mixed into Runner: uses self.post, self.account, self.s, self.now(), self.log()."""

    def link(self) -> str:
        return f"/publishing/posts/{self.post.id}"

    def handle(self, err: InstagramError) -> None:
        post = self.post
        self.log(
            post.status,
            "error",
            code=err.code,
            subcode=err.error_subcode,
            fbtrace_id=err.fbtrace_id,
            message_key=err.message_key,
            detail=err.message[:500],
        )
        kind = err.kind
        if kind is ErrorKind.TOKEN_DEAD:
            self.handle_token_dead(err.message_key, err)
        elif kind is ErrorKind.PUBLISH_NOT_READY:
            if post.status == PostStatus.PUBLISHING.value:
                post.status = PostStatus.READY.value  # 9007 is a definite "not published"
            post.container_status = "IN_PROGRESS"
            self.wait_processing()
        elif kind is ErrorKind.QUOTA_EXCEEDED:
            self.wait_quota()
        elif kind is ErrorKind.RECREATE_CONTAINER:
            self.recreate(err.message_key)
        elif kind in (ErrorKind.RETRY, ErrorKind.RATE_LIMITED, ErrorKind.UNKNOWN):
            self.retry_later(err.message_key, err.retry_after_seconds)
        elif post.status in (PostStatus.PUBLISHED.value, PostStatus.COMMENTING.value):
            self.finish_without_comment(err.message_key)
        else:
            self.fail(err.message_key, err.user_msg or err.message)

    # -- waits ----------------------------------------------------------------------------------
    def schedule_next(self, seconds: float) -> None:
        post = self.post
        post.next_attempt_at = self.now() + timedelta(seconds=seconds)
        if post.deadline_at is not None and post.next_attempt_at > post.deadline_at:
            if post.status in ("scheduled", "preparing", "ready"):
                self.fail("deadline_passed")
            elif post.status in ("published", "commenting"):
                self.finish_without_comment("deadline_passed")
            else:  # publishing: one last status check at the deadline
                post.next_attempt_at = post.deadline_at

    def retry_later(self, key: str, retry_after: int | None = None) -> None:
        post = self.post
        post.attempts += 1
        usage = self.account.usage_percent if self.account is not None else 0
        post.error_key = key[:64]
        self.schedule_next(backoff_seconds(post.attempts, retry_after, usage or 0))

    def wait_processing(self) -> None:
        """Video still processing: ask again at the reference's pace (once a minute)."""
        self.post.attempts += 1
        self.schedule_next(self.settings.PUBLISH_POLL_SECONDS)

    def wait_quota(self) -> None:
        """Quota used up: wait until the oldest publish of the rolling window leaves it."""
        post = self.post
        if post.status == PostStatus.PUBLISHING.value:
            post.status = PostStatus.READY.value  # refused: nothing was published
        window = timedelta(seconds=86400)
        oldest = self.s.scalar(
            select(func.min(Post.published_at)).where(
                Post.account_id == post.account_id,
                Post.published_at > self.now() - window,
            )
        )
        until = (oldest + window + timedelta(seconds=5)) if oldest else self.now() + QUOTA_FALLBACK
        until = max(until, self.now() + timedelta(seconds=60))
        post.error_key = "quota_exceeded"
        post.next_attempt_at = until
        # A known, deliberate wait: the deadline moves with it.
        post.deadline_at = until + timedelta(seconds=self.settings.PUBLISH_DEADLINE_SECONDS)

    def recreate(self, key: str) -> None:
        """The container is gone or expired: make new ones (a PUBLISHED one is never redone)."""
        post = self.post
        if post.status in (PostStatus.PUBLISHED.value, PostStatus.COMMENTING.value):
            self.finish_without_comment(key)
            return
        post.attempts += 1
        if post.attempts > MAX_RECREATE:
            self.fail(key)
            return
        post.container_id = None
        post.container_status = None
        for pm in post.media:
            pm.container_id = pm.container_status = None
        post.status = PostStatus.PREPARING.value
        post.next_attempt_at = self.now()

    def container_problem(self, code: str) -> None:
        if code == "EXPIRED":
            self.recreate("container_expired")
        else:
            self.fail("container_error")

    def pause(self) -> None:
        """Wait for the account's reconnect without calling Instagram (see publisher_pause)."""
        if self.post.error_key != PAUSED:
            self.post.error_key = PAUSED
            self.log("paused", "info", message_key=PAUSED)

    def resume(self) -> bool:
        """The account was reconnected (see publisher_pause); True to go on publishing now."""
        post = self.post
        post.error_key = None
        if post.next_attempt_at is not None and post.next_attempt_at > self.now():
            self.log("resumed", "info", message_key="reconnected")
            return False  # upcoming: it waits for its time as before
        if post.status in ("scheduled", "preparing", "ready") and self.past_deadline():
            self.fail("account_disconnected")
            return False
        # Within its deadline (or media_publish may have been sent): on, with a fresh one.
        post.deadline_at = self.now() + timedelta(seconds=self.settings.PUBLISH_DEADLINE_SECONDS)
        self.log("resumed", "info", message_key="reconnected")
        return True

    # -- outcomes -------------------------------------------------------------------------------
    def handle_token_dead(self, key: str, err: InstagramError | None) -> None:
        """Pause every post of the account until it is reconnected (the claim skips them)."""
        from app.services.accounts import mark_token_dead

        post = self.post
        self.defer(mark_token_dead, self.s, self.account, key)
        if post.error_key != "reconnect_needed":
            self.defer(
                notify,
                self.s,
                post.workspace_id,
                "post_failed",
                {
                    "username": self.account.username,
                    "reason": "reconnect_needed",
                    "post_id": post.id,
                },
                link=self.link(),
            )
        post.error_key = "reconnect_needed"
        post.next_attempt_at = self.now()
        if err is None:
            self.log(post.status, "error", message_key=key)

    def fail(self, key: str, message: str | None = None) -> None:
        post = self.post
        post.status = PostStatus.FAILED.value
        post.error_key = (key or "unknown")[:64]
        post.error_message = message
        post.next_attempt_at = None
        self.log("failed", "error", message_key=post.error_key)
        self.defer(
            notify,
            self.s,
            post.workspace_id,
            "post_failed",
            {
                "username": self.account.username if self.account else "",
                "reason": post.error_key,
                "post_id": post.id,
            },
            link=self.link(),
        )
        self.defer(webhook_events.post_event, self.s, post, self.account, "post.failed")

    def finish_without_comment(self, key: str) -> None:
        """Published, but the first comment failed for good: done, with the reason kept."""
        post = self.post
        post.status = PostStatus.DONE.value
        post.error_key = "comment_failed"
        post.error_message = key
        post.next_attempt_at = None
        self.log("first_comment", "error", message_key=key)

    def notify_published(self) -> None:
        post = self.post
        self.defer(
            notify,
            self.s,
            post.workspace_id,
            "post_published",
            {"username": self.account.username, "post_id": post.id},
            link=self.link(),
        )
        self.defer(webhook_events.post_event, self.s, post, self.account, "post.published")
