"""Instagram webhooks: signature check, raw storage, and a defensive parser (reference §8)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

COMMENT_FIELDS = ("comments", "live_comments")


def webhook_secrets(settings) -> list[str]:
    """The secrets a delivery may be signed with (which one Meta uses is unconfirmed)."""
    return [s for s in (settings.INSTAGRAM_APP_SECRET, settings.META_APP_SECRET) if s]


def signature_valid(body: bytes, header: str | None, secrets: list[str]) -> bool:
    """Check `X-Hub-Signature-256: sha256=<hex>` against every secret in constant time."""
    if not header or not secrets:
        return False
    algo, _, received = header.strip().partition("=")
    if algo.lower() != "sha256" or not received:
        return False
    received_b = received.strip().lower().encode("ascii", "replace")
    ok = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        # Check every secret (no early exit) so timing does not tell which one matched.
        ok |= hmac.compare_digest(expected, received_b)
    return ok


def verify_challenge(args, verify_token: str) -> str | None:
    """The `hub.challenge` to echo when the subscription check is ours, else None."""
    if not verify_token or args.get("hub.mode") != "subscribe":
        return None
    given = args.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return args.get("hub.challenge")


# ---- parsing -------------------------------------------------------------------------------


@dataclass
class CommentEvent:
    """A comment or reply on one of the account's media."""

    comment_id: str
    text: str | None = None
    parent_id: str | None = None
    from_id: str | None = None
    username: str | None = None
    self_scoped: bool = False
    media_id: str | None = None
    at: datetime | None = None


@dataclass
class MessagingEvent:
    """One item of `entry[].messaging[]`, normalised; `kind` names what happened."""

    kind: str  # message | edit | reaction | postback | read | other
    sender_id: str = ""
    recipient_id: str = ""
    at: datetime | None = None
    mid: str | None = None
    text: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False
    reply_to_mid: str | None = None
    story_reply_url: str | None = None
    reaction: str | None = None
    reaction_action: str | None = None
    num_edit: int = 0
    # A tapped quick reply's or postback button's payload (automation flows branch on it).
    payload: str | None = None


@dataclass
class Entry:
    """The events of one `entry[]` item for one account (IG_ID)."""

    ig_id: str
    comments: list[CommentEvent] = field(default_factory=list)
    messaging: list[MessagingEvent] = field(default_factory=list)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _clean(value: str) -> str:
    """The text with lone surrogates (valid as JSON escapes, never storable) made U+FFFD."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def _id(value: Any) -> str | None:
    """Instagram ids arrive as strings or (large) numbers: keep them as strings."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str) and str(value).strip():
        return _clean(str(value).strip()[:255])
    return None


def _text(value: Any) -> str | None:
    return _clean(value) if isinstance(value, str) else None


def _time(value: Any) -> datetime | None:
    """Unix seconds or milliseconds (Meta uses both) to an aware datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def decode_body(body: bytes) -> str | None:
    """The body as text when it is valid UTF-8 (Meta's encoding), else None.

    `json.loads` on bytes would also take UTF-16/32 and UTF-8-encoded surrogates, which
    cannot be stored as they came: such a body is refused, never stored "repaired".
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_body(body: bytes | str) -> dict[str, Any] | None:
    """The JSON object of a delivery, or None when it is not one (or not UTF-8)."""
    if isinstance(body, bytes | bytearray):
        body = decode_body(bytes(body))
        if body is None:
            return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def parse_entries(data: dict[str, Any]) -> list[Entry]:
    """Every entry of a batch with the events Kezek understands; the rest is ignored."""
    entries: list[Entry] = []
    if data.get("object") not in (None, "instagram"):
        return entries
    for raw in _list(data.get("entry")):
        raw = _dict(raw)
        ig_id = _id(raw.get("id"))
        if ig_id is None:
            continue
        entry = Entry(ig_id=ig_id)
        fallback = _time(raw.get("time"))
        # Comments with the changes[] wrapper, or field/value right in the entry (§8.3).
        changes = [_dict(c) for c in _list(raw.get("changes"))]
        if "field" in raw and "value" in raw:
            changes.append({"field": raw.get("field"), "value": raw.get("value")})
        for change in changes:
            if change.get("field") in COMMENT_FIELDS:
                event = _comment(_dict(change.get("value")), fallback)
                if event is not None:
                    entry.comments.append(event)
        for item in _list(raw.get("messaging")) + _list(raw.get("standby")):
            event = _messaging(_dict(item), fallback)
            if event is not None:
                entry.messaging.append(event)
        entries.append(entry)
    return entries


def _comment(value: dict[str, Any], fallback: datetime | None) -> CommentEvent | None:
    comment_id = _id(value.get("id"))
    if comment_id is None:
        return None
    author = _dict(value.get("from"))
    media = _dict(value.get("media"))
    return CommentEvent(
        comment_id=comment_id,
        text=_text(value.get("text")),
        parent_id=_id(value.get("parent_id")),
        from_id=_id(author.get("id")),
        username=_text(author.get("username")),
        self_scoped=bool(author.get("self_ig_scoped_id")),
        media_id=_id(media.get("id")) or _id(value.get("media_id")),
        at=_time(value.get("created_time")) or fallback,
    )


def _attachments(message: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for att in _list(message.get("attachments")):
        att = _dict(att)
        payload = _dict(att.get("payload"))
        kind = _text(att.get("type")) or "unknown"
        url = _text(payload.get("url"))
        out.append({"type": kind[:32], "url": url if url and url.startswith("http") else None})
    return out


def _messaging(item: dict[str, Any], fallback: datetime | None) -> MessagingEvent | None:
    sender = _id(_dict(item.get("sender")).get("id")) or ""
    recipient = _id(_dict(item.get("recipient")).get("id")) or ""
    at = _time(item.get("timestamp")) or fallback
    base = {"sender_id": sender, "recipient_id": recipient, "at": at}
    if isinstance(item.get("message"), dict):
        message = item["message"]
        mid = _id(message.get("mid"))
        if mid is None:
            return None
        reply_to = _dict(message.get("reply_to"))
        story = _dict(reply_to.get("story"))
        return MessagingEvent(
            kind="message",
            mid=mid,
            text=_text(message.get("text")),
            attachments=_attachments(message),
            is_echo=bool(message.get("is_echo")),
            is_deleted=bool(message.get("is_deleted")),
            is_unsupported=bool(message.get("is_unsupported")),
            reply_to_mid=_id(reply_to.get("mid")),
            story_reply_url=_text(story.get("url")) or ("" if story else None),
            payload=_text(_dict(message.get("quick_reply")).get("payload")),
            **base,
        )
    if isinstance(item.get("message_edit"), dict):
        edit = item["message_edit"]
        num = edit.get("num_edit")
        return MessagingEvent(
            kind="edit",
            mid=_id(edit.get("mid")),
            text=_text(edit.get("text")),
            num_edit=num if isinstance(num, int) and not isinstance(num, bool) else 1,
            **base,
        )
    if isinstance(item.get("reaction"), dict):
        reaction = item["reaction"]
        return MessagingEvent(
            kind="reaction",
            mid=_id(reaction.get("mid")),
            reaction=(_text(reaction.get("emoji")) or _text(reaction.get("reaction")) or "")[:32],
            reaction_action=_text(reaction.get("action")) or "react",
            **base,
        )
    if isinstance(item.get("postback"), dict):
        postback = item["postback"]
        return MessagingEvent(
            kind="postback",
            mid=_id(postback.get("mid")),
            text=_text(postback.get("title")) or _text(postback.get("payload")),
            payload=_text(postback.get("payload")),
            **base,
        )
    if isinstance(item.get("read"), dict):
        return MessagingEvent(kind="read", mid=_id(item["read"].get("mid")), **base)
    # Referrals, opt-ins, handovers and anything new: kept in the raw batch, ignored here.
    return MessagingEvent(kind="other", **base)
