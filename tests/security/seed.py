"""One object of every kind a route can name by id, for a workspace, built on demand.

`PARAM_FACTORIES` maps a URL parameter name (as it appears in `app.url_map`) to how to get a
value for it from a `Seed`. The isolation crawler fails on a route whose parameter is not in
the registry, so a new route with a new kind of id has to be given a factory here.

Every text a seed writes carries its `marker`, so a page that leaks another workspace's data
is found by looking for that workspace's marker in the body.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session

from app.models import (
    Identity,
    InboxAction,
    InboxComment,
    InboxMessage,
    InboxThread,
    InstagramAccount,
    InstagramMedia,
    KnowledgeItem,
    MediaItem,
    Post,
    Snippet,
    User,
    Workspace,
)


@dataclass
class Param:
    """How to fill one URL parameter: `tenant` params name a row of a workspace (or user)."""

    make: Callable[[Seed], object]
    tenant: bool = True


class Seed:
    """Rows of one workspace (and its owner's personal rows), created on first use."""

    counter = 0

    def __init__(self, session: Session, user: User, ws: Workspace, marker: str):
        self.session, self.user, self.ws, self.marker = session, user, ws, marker
        Seed.counter += 1
        self.n = Seed.counter
        self.export_token = secrets.token_urlsafe(24)

    def _add(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    @cached_property
    def account(self) -> InstagramAccount:
        account = self._add(
            InstagramAccount(
                workspace_id=self.ws.id,
                ig_user_id=f"17841477{self.n:04d}{secrets.randbelow(10**5):05d}",
                username=f"{self.marker.lower()}.shop",
                name=f"{self.marker} Shop",
                account_type="BUSINESS",
                followers_count=7,
            )
        )
        self._add(
            InstagramMedia(
                workspace_id=self.ws.id, account_id=account.id, ig_media_id=f"sec{self.n}m1"
            )
        )
        return account

    @cached_property
    def thread(self) -> InboxThread:
        return self._add(
            InboxThread(
                workspace_id=self.ws.id,
                account_id=self.account.id,
                kind="dm",
                thread_key=f"sec-{self.n}-dm",
                preview=f"{self.marker} preview",
                customer_id=f"6199{self.n:012d}",
                customer_username=f"{self.marker.lower()}.customer",
            )
        )

    @cached_property
    def comment_thread(self) -> InboxThread:
        return self._add(
            InboxThread(
                workspace_id=self.ws.id,
                account_id=self.account.id,
                kind="comment",
                thread_key=f"sec-{self.n}-comments",
                preview=f"{self.marker} comment preview",
                ig_media_id=f"sec{self.n}m1",
            )
        )

    @cached_property
    def message(self) -> InboxMessage:
        return self._add(
            InboxMessage(
                workspace_id=self.ws.id,
                thread_id=self.thread.id,
                account_id=self.account.id,
                mid=f"sec-mid-{self.n}",
                text=f"{self.marker} private message",
            )
        )

    @cached_property
    def comment(self) -> InboxComment:
        return self._add(
            InboxComment(
                workspace_id=self.ws.id,
                thread_id=self.comment_thread.id,
                account_id=self.account.id,
                ig_comment_id=f"sec-c-{self.n}",
                ig_media_id=f"sec{self.n}m1",
                from_id=f"6199{self.n:012d}",
                username=f"{self.marker.lower()}.commenter",
                text=f"{self.marker} comment",
            )
        )

    @cached_property
    def action(self) -> InboxAction:
        return self._add(
            InboxAction(
                workspace_id=self.ws.id,
                thread_id=self.comment_thread.id,
                comment_id=self.comment.id,
                kind="reply",
                text=f"{self.marker} failed reply",
                error_key="network_error",
            )
        )

    @cached_property
    def media(self) -> MediaItem:
        return self._add(
            MediaItem(
                workspace_id=self.ws.id,
                kind="image",
                state="ready",
                original_name=f"{self.marker}.jpg",
                content_type="image/jpeg",
                size_bytes=10,
                width=1080,
                height=1080,
                storage_key=f"sec/{self.n}-{secrets.token_hex(4)}.jpg",
                public_token=secrets.token_urlsafe(16),
            )
        )

    @cached_property
    def post(self) -> Post:
        return self._add(
            Post(
                workspace_id=self.ws.id,
                account_id=self.account.id,
                composition_id=secrets.token_hex(8),
                type="image",
                status="draft",
                caption=f"{self.marker} caption",
            )
        )

    @cached_property
    def snippet(self) -> Snippet:
        return self._add(
            Snippet(workspace_id=self.ws.id, name=f"{self.marker} snippet", body=self.marker)
        )

    @cached_property
    def rule(self):
        from app.services.automations import definitions

        return definitions.save_rule(
            self.session,
            self.ws.id,
            definitions.RuleData(
                name=f"{self.marker} rule",
                trigger="dm",
                match_mode="any_message",
                actions=[("notify", {})],
            ),
        )

    @cached_property
    def flow(self):
        from app.services.automations import flow_definitions

        return flow_definitions.save_flow(
            self.session,
            self.ws.id,
            f"{self.marker} flow",
            [flow_definitions.StepData(kind="text", text=f"{self.marker} step")],
        )

    @cached_property
    def contact(self):
        from app.services.automations import contacts

        contact, _ = contacts.touch_contact(
            self.session, self.account, f"6198{self.n:012d}", f"{self.marker.lower()}.contact"
        )
        self.session.flush()
        return contact

    @cached_property
    def tag(self):
        from app.services.automations import contacts

        tag = contacts.tag_named(self.session, self.ws.id, f"{self.marker.lower()}tag")
        self.session.flush()
        contacts.add_tags(self.session, self.contact, [tag.name])
        self.session.flush()
        return tag

    @cached_property
    def link(self):
        """A tracked link of the flow, as sent to the contact (its URL carries no marker:
        the redirect's Location is meant for whoever holds the token)."""
        from app.models import AutomationLink

        return self._add(
            AutomationLink(
                workspace_id=self.ws.id,
                token=secrets.token_urlsafe(16),
                url=f"https://shop.example/offer-{self.n}",
                url_hash=secrets.token_hex(32),
                flow_id=self.flow.id,
                step_position=1,
                contact_id=self.contact.id,
            )
        )

    @cached_property
    def field(self):
        from app.services.automations import contacts

        return contacts.create_field(
            self.session, self.ws.id, f"{self.marker.lower()}_key", f"{self.marker} field", "text"
        )

    @cached_property
    def knowledge(self) -> KnowledgeItem:
        return self._add(
            KnowledgeItem(
                workspace_id=self.ws.id,
                account_id=self.account.id,
                title=f"{self.marker} question",
                body=f"{self.marker} answer",
            )
        )

    @cached_property
    def notification(self):
        from app.services.notifications import notify

        return notify(self.session, self.ws.id, "token_dead", {"username": self.marker})

    @cached_property
    def invitation(self):
        from app.services import invitations

        inv, _token = invitations.create(
            self.session,
            self.ws.id,
            "editor",
            f"{self.marker.lower()}@example.com",
            self.user,
            "127.0.0.1",
        )
        return inv

    @cached_property
    def api_token(self):
        from app.services.api_tokens import create_token

        row, _raw = create_token(self.session, self.user, f"{self.marker} token")
        return row

    @cached_property
    def identity(self) -> Identity:
        return self._add(
            Identity(
                user_id=self.user.id,
                provider="google",
                provider_user_id=f"sec-{self.n}",
                display_name=f"{self.marker} Google",
                email=f"{self.marker.lower()}@example.com",
            )
        )

    @cached_property
    def export(self):
        from app.models import ExportJob
        from app.services.export import hash_token

        return self._add(
            ExportJob(
                user_id=self.user.id,
                requested_by_id=self.user.id,
                state="ready",
                progress=100,
                token_hash=hash_token(self.export_token),
            )
        )

    @cached_property
    def webhook_endpoint(self):
        from app.models import WebhookEndpoint

        return self._add(
            WebhookEndpoint(
                workspace_id=self.ws.id,
                url=f"https://hooks.example/{self.marker.lower()}",
                description=f"{self.marker} endpoint",
                events=["post.published"],
                secret_ciphertext="",
            )
        )

    @cached_property
    def webhook_delivery(self):
        from app.models import WebhookDelivery, utcnow

        return self._add(
            WebhookDelivery(
                workspace_id=self.ws.id,
                endpoint_id=self.webhook_endpoint.id,
                event_type="post.failed",
                event_id=f"evt_{self.marker.lower()}",
                payload={"data": {"caption": self.marker}},
                status="failed",
                attempts=8,
                last_error=f"http_{500 + self.n % 10}",
                created_at=utcnow(),
            )
        )

    def everything(self) -> None:
        """Create one of each kind now (so list pages have something to leak)."""
        for name in (
            "account",
            "message",
            "action",
            "media",
            "post",
            "snippet",
            "rule",
            "flow",
            "link",
            "tag",
            "field",
            "knowledge",
            "notification",
            "invitation",
            "api_token",
            "identity",
            "export",
            "webhook_delivery",
        ):
            getattr(self, name)
        self.session.commit()


PARAM_FACTORIES: dict[str, Param] = {
    "account_id": Param(lambda s: s.account.id),
    "action_id": Param(lambda s: s.action.id),
    "comment_id": Param(lambda s: s.comment.id),
    "contact_id": Param(lambda s: s.contact.id),
    "export_id": Param(lambda s: s.export.id),
    "endpoint_id": Param(lambda s: s.webhook_endpoint.id),
    "delivery_id": Param(lambda s: s.webhook_delivery.id),
    "job_id": Param(lambda s: s.export.id),
    "token": Param(lambda s: s.export_token),  # the download link's secret of that export
    "field_id": Param(lambda s: s.field.id),
    "flow_id": Param(lambda s: s.flow.id),
    "identity_id": Param(lambda s: s.identity.id),
    "invitation_id": Param(lambda s: s.invitation.id),
    "item_id": Param(lambda s: s.knowledge.id),
    "media_id": Param(lambda s: s.media.id),
    "notification_id": Param(lambda s: s.notification.id),
    "post_id": Param(lambda s: s.post.id),
    "rule_id": Param(lambda s: s.rule.id),
    "snippet_id": Param(lambda s: s.snippet.id),
    "tag_id": Param(lambda s: s.tag.id),
    "thread_id": Param(lambda s: s.thread.id),
    "token_id": Param(lambda s: s.api_token.id),
    "user_id": Param(lambda s: s.user.id),
    "workspace_id": Param(lambda s: s.ws.id),
    "public_token": Param(lambda s: s.media.public_token),
    # A capability URL (/r/<token>): it redirects whoever holds it, like a public media URL.
    "link_token": Param(lambda s: s.link.token, tenant=False),
    "name": Param(lambda s: "image.jpg"),
    # Not rows of anyone: the same value whoever asks.
    "kind": Param(lambda s: "posts", tenant=False),
    "provider": Param(lambda s: "google", tenant=False),
    "state": Param(lambda s: "not-a-state", tenant=False),
    "filename": Param(lambda s: "kezek/app.css", tenant=False),
}
