"""Conversations, the Send API and private replies (fact sheet §5.1, §6)."""

from __future__ import annotations

from typing import Any

from app.instagram.transport import Transport, page_from
from app.instagram.types import Page, SendResult

MESSAGE_FIELDS = "id,created_time,from,to,message"


def _send_result(payload: dict[str, Any]) -> SendResult:
    return SendResult(
        recipient_id=str(payload.get("recipient_id", "")),
        message_id=str(payload.get("message_id", "")),
    )


class MessagingMixin(Transport):
    """Instagram Direct operations."""

    def list_conversations(
        self,
        access_token: str,
        *,
        ig_user_id: str = "me",
        user_id: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """Conversations of the account, or the one with `user_id` (an IGSID)."""
        payload = self.graph(
            "GET",
            f"{ig_user_id}/conversations",
            access_token,
            params={
                "platform": "instagram",
                "user_id": user_id,
                "after": after,
                "limit": limit,
                "fields": "id,updated_time",
            },
            ig_user_id=None if ig_user_id == "me" else ig_user_id,
        )
        return page_from(payload)

    def list_conversation_messages(
        self, access_token: str, conversation_id: str
    ) -> list[dict[str, Any]]:
        """Message ids and times of a conversation (only the 20 newest are readable)."""
        payload = self.graph("GET", conversation_id, access_token, params={"fields": "messages"})
        return list((payload.get("messages") or {}).get("data") or [])

    def get_message(
        self, access_token: str, message_id: str, *, fields: str = MESSAGE_FIELDS
    ) -> dict[str, Any]:
        """One message with sender, recipients and text."""
        return self.graph("GET", message_id, access_token, params={"fields": fields})

    def send_text(
        self,
        access_token: str,
        *,
        recipient_id: str,
        text: str,
        ig_user_id: str = "me",
        human_agent: bool = False,
        quick_replies: list[dict[str, Any]] | None = None,
    ) -> SendResult:
        """Send a text DM to an IGSID inside the messaging window (optionally with buttons)."""
        body: dict[str, Any] = {"recipient": {"id": recipient_id}, "message": {"text": text}}
        if quick_replies:
            body["message"]["quick_replies"] = quick_replies
        if human_agent:
            # The required field set is unconfirmed (fact sheet §6.1): send both.
            body["messaging_type"] = "MESSAGE_TAG"
            body["tag"] = "HUMAN_AGENT"
        return self._send(access_token, ig_user_id, body)

    def send_attachment(
        self,
        access_token: str,
        *,
        recipient_id: str,
        url: str,
        attachment_type: str = "image",
        ig_user_id: str = "me",
    ) -> SendResult:
        """Send one image/audio/video/file attachment by public URL."""
        attachment = {"type": attachment_type, "payload": {"url": url}}
        if attachment_type == "image":
            message: dict[str, Any] = {"attachments": [attachment]}
        else:
            message = {"attachment": attachment}
        body = {"recipient": {"id": recipient_id}, "message": message}
        return self._send(access_token, ig_user_id, body)

    def send_private_reply(
        self, access_token: str, *, comment_id: str, text: str, ig_user_id: str = "me"
    ) -> SendResult:
        """Send the one allowed private DM to the author of a comment (≤ 7 days)."""
        body = {"recipient": {"comment_id": comment_id}, "message": {"text": text}}
        return self._send(access_token, ig_user_id, body)

    def _send(self, access_token: str, ig_user_id: str, body: dict[str, Any]) -> SendResult:
        payload = self.graph(
            "POST",
            f"{ig_user_id}/messages",
            access_token,
            json_body=body,
            ig_user_id=None if ig_user_id == "me" else ig_user_id,
        )
        return _send_result(payload)
