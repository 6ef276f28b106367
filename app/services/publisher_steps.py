"""One claimed post, driven through its states (see app.services.publisher for the rules)."""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app.instagram import ErrorKind, InstagramError
from app.models import AccountStatus, InstagramAccount, utcnow
from app.models.media import MediaKind
from app.models.post import WORKING_STATUSES as WORKING
from app.models.post import Post, PostStatus, PostType
from app.services import publisher_graph as graph
from app.services.post_media import has_video
from app.services.posts import add_log
from app.services.publisher_errors import ErrorPolicy
from app.services.publisher_pause import PAUSED

PRE_PUBLISH = ("scheduled", "preparing", "ready")
MAX_STEPS = 12


class LeaseLost(Exception):
    """Another worker owns the post now (our lease expired): stop touching it."""


def crash_point(name: str) -> None:
    """Test hook: SIGKILL this process at a named point (KEZEK_PUBLISH_CRASH_AT)."""
    if os.environ.get("KEZEK_PUBLISH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class Runner(ErrorPolicy):
    """Runs the steps of one post until it must wait, finishes or fails."""

    def __init__(self, publisher, session: Session, post_id: int, now: datetime | None = None):
        self.pub = publisher
        self.s = session
        self.settings = publisher.settings
        self.fixed_now = now
        # The post, its account and its media (with their items) in one round trip.
        row = (
            session.execute(
                select(Post, InstagramAccount)
                .outerjoin(InstagramAccount, InstagramAccount.id == Post.account_id)
                .where(Post.id == post_id)
                .options(joinedload(Post.media))
            )
            .unique()
            .first()
        )
        self.post: Post | None = row[0] if row else None
        self.account: InstagramAccount | None = row[1] if row else None
        self.token = ""
        self.resumed = False
        self.released = False
        self.deferred: list = []
        self.stored_status = self.post.status if self.post is not None else None

    def now(self) -> datetime:
        return self.fixed_now or utcnow()

    # -- persistence ------------------------------------------------------------------------
    def commit(self, release: bool = False) -> None:
        """Commit the post's changes only while this worker still holds the lease."""
        post = self.post
        if post.status in WORKING and post.next_attempt_at is None:
            post.next_attempt_at = self.now()  # a post in a working state is always findable
        values = {"lease_until": self.now() + timedelta(seconds=self.pub.lease_seconds)}
        if release:
            values = {"lease_until": None, "lease_owner": None}
            self.released = True
        with self.pub.write_lock:
            res = self.s.execute(
                update(Post)
                .where(
                    Post.id == self.post.id,
                    Post.lease_owner == self.pub.worker_id,
                    # Nobody else (a user cancelling or editing) changed it since we read it.
                    Post.status == self.stored_status,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:
                self.s.rollback()
                raise LeaseLost(self.post.id)
            # Work that flushes (notifications) runs here, after the guard, so writes happen
            # in one short transaction under the lock and never span a Graph call.
            for func, args, kwargs in self.deferred:
                func(*args, **kwargs)
            self.deferred.clear()
            self.s.commit()
            self.stored_status = post.status

    def defer(self, func, *args, **kwargs) -> None:
        """Run `func(*args, **kwargs)` (it may flush) inside the next commit."""
        self.deferred.append((func, args, kwargs))

    def log(self, step: str, result: str, **kw) -> None:
        add_log(self.s, self.post, step, result, **kw)

    def due(self) -> datetime:
        return self.post.scheduled_at or self.post.created_at or self.now()

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        post = self.post
        if post is None or post.lease_owner != self.pub.worker_id:
            return
        try:
            self._run()
        except LeaseLost:
            return
        if self.released:
            return
        try:
            self.commit(release=True)  # whatever the last step changed, and the lease
        except LeaseLost:
            pass

    def _run(self) -> None:
        post = self.post
        if self.account is None or self.account.status != AccountStatus.ACTIVE.value:
            if self.account is not None and self.account.needs_reconnect:
                self.pause()  # claimed just before its account's token died
            return
        if post.error_key == PAUSED and not self.resume():
            return
        token = graph.token_of(self.settings, self.account)
        if token is None:
            self.token_dead("token_unreadable", None)
            return
        self.token = token
        self.resumed = post.status in ("publishing", "commenting")
        for _ in range(MAX_STEPS):
            if post.status in PRE_PUBLISH and self.past_deadline():
                self.fail("deadline_passed")
                return
            step = getattr(self, f"step_{post.status}", None)
            if step is None:
                return
            try:
                go_on = step()
            except InstagramError as err:
                self.record_usage(err.usage)
                if self.on_error(err):
                    continue  # e.g. an expired container: make a new one at once
                return
            self.record_usage(None)
            if not go_on:
                return

    def past_deadline(self) -> bool:
        return self.post.deadline_at is not None and self.now() > self.post.deadline_at

    def record_usage(self, usage) -> None:
        from app.services.instagram import record_usage

        usage = usage or self.pub.take_usage()
        account = self.account
        if usage is None or account is None:
            return
        # Only a change is written (every answer carries the headers; most repeat them).
        stored = account.usage or {}
        if int(usage.max_percent) != (
            account.usage_percent or 0
        ) or usage.regain_access_seconds != stored.get("regain_access_seconds"):
            record_usage(account, usage)

    # -- steps (each returns True to go on at once, False to stop for now) --------------------
    def step_scheduled(self) -> bool:
        self.post.status = PostStatus.PREPARING.value
        return True

    def step_preparing(self) -> bool:
        post = self.post
        if not post.media or any(pm.item is None for pm in post.media):
            self.fail("media_missing")
            return False
        if post.type == PostType.CAROUSEL.value:
            if not self._carousel_children_ready():
                return False
        if post.container_id is None:
            cid = graph.create_main_container(self)
            crash_point("after_create")
            post.container_id = cid
            if post.type != PostType.CAROUSEL.value:
                post.media[0].container_id = cid
            post.container_status = "IN_PROGRESS" if self._needs_processing() else "FINISHED"
            self.log("container", "ok", detail=cid)
            post.attempts = 0
            post.error_key = None
        post.status = PostStatus.READY.value
        post.next_attempt_at = max(self.due(), self.now())
        # Committed with `publishing` next (image posts due now), or on release: a crash
        # before that leaves an unused container, never a publish.
        return self.due() <= self.now()

    def _needs_processing(self) -> bool:
        post = self.post
        if post.type == PostType.CAROUSEL.value:
            return has_video(post)
        return post.type == PostType.REEL.value or post.media[0].item.kind == MediaKind.VIDEO.value

    def _carousel_children_ready(self) -> bool:
        for pm in self.post.media:
            if pm.container_id is None:
                pm.container_id = graph.create_child(self, pm)
                pm.container_status = (
                    "IN_PROGRESS" if pm.item.kind == MediaKind.VIDEO.value else "FINISHED"
                )
                self.log("container", "ok", detail=pm.container_id)
                self.commit()
        waiting = False
        for pm in self.post.media:
            if pm.container_status != "FINISHED":
                code = graph.container_status(self, pm.container_id)
                pm.container_status = code
                if code in ("ERROR", "EXPIRED"):
                    self.container_problem(code)
                    return False
                waiting = waiting or code != "FINISHED"
        if waiting:
            self.wait_processing()
            return False
        return True

    def step_ready(self) -> bool:
        post = self.post
        if self.due() > self.now():
            post.next_attempt_at = self.due()
            return False
        if post.container_status == "IN_PROGRESS":
            code = graph.container_status(self, post.container_id)
            if code == "IN_PROGRESS":
                self.wait_processing()
                return False
            if code in ("ERROR", "EXPIRED"):
                self.container_problem(code)
                return False
            post.container_status = code
            if code == "PUBLISHED":  # cannot happen unless sent before: reconcile
                post.status = PostStatus.PUBLISHING.value
                return True
        post.status = PostStatus.PUBLISHING.value
        post.publish_started_at = post.publish_started_at or self.now()
        self.commit()
        crash_point("before_publish")
        return self.send_publish()

    def send_publish(self) -> bool:
        media_id = graph.publish(self)
        crash_point("after_publish")
        return self.mark_published(media_id, "published")

    def mark_published(self, media_id: str, step: str, permalink: str | None = None) -> bool:
        post = self.post
        post.ig_media_id = media_id
        post.permalink = post.permalink or permalink
        post.container_status = "PUBLISHED"
        post.status = PostStatus.PUBLISHED.value
        post.published_at = post.published_at or self.now()
        post.error_key = post.error_message = None
        post.attempts = 0
        self.log(step, "ok", detail=media_id)
        if self.wants_comment():
            self.commit()
            crash_point("after_published")
            return True
        self.finish()  # no first comment: done in the same commit
        crash_point("after_published")
        return False

    def wants_comment(self) -> bool:
        return bool(self.post.first_comment) and self.post.type != PostType.STORY.value

    def finish(self) -> None:
        post = self.post
        graph.request_permalink(self)
        self.notify_published()
        post.status = PostStatus.DONE.value
        post.next_attempt_at = None
        self.commit(release=True)

    def step_publishing(self) -> bool:
        """Only reached on resume or after an error: never re-send before asking the status."""
        post = self.post
        code = graph.container_status(self, post.container_id)
        post.container_status = code
        if code == "PUBLISHED":
            found = graph.find_published(self)
            if found is None:
                self.retry_later("reconcile_pending")
                return False
            return self.mark_published(found[0], "reconciled", found[1])
        if code == "FINISHED":
            return self.send_publish()
        if code == "IN_PROGRESS":
            post.status = PostStatus.READY.value
            self.wait_processing()
            return False
        self.container_problem(code)
        return False

    def step_published(self) -> bool:
        post = self.post
        if self.wants_comment():
            graph.request_permalink(self)
            self.notify_published()
            post.status = PostStatus.COMMENTING.value
            self.commit()
            return True
        self.finish()
        return False

    def step_commenting(self) -> bool:
        post = self.post
        comment_id = graph.existing_comment(self) if self.resumed else None
        if comment_id is None:
            crash_point("before_comment")
            comment_id = graph.comment(self)
            crash_point("after_comment")
        post.comment_id = comment_id
        post.status = PostStatus.DONE.value
        post.next_attempt_at = None
        self.log("first_comment", "ok", detail=comment_id)
        self.commit(release=True)
        return False

    def on_error(self, err: InstagramError) -> bool:
        """Apply the error policy and commit; True when the post can go on right away."""
        self.handle(err)
        post = self.post
        go_on = (
            err.kind is ErrorKind.RECREATE_CONTAINER
            and post.status == PostStatus.PREPARING.value
            and post.attempts <= 1
        )
        self.commit(release=not go_on)
        return go_on

    def token_dead(self, key: str, err: InstagramError | None) -> None:
        self.handle_token_dead(key, err)
        self.commit(release=True)


__all__ = ["Runner", "LeaseLost", "crash_point", "ErrorKind"]
