"""Profile, media paging, comments and messaging through the client."""

from __future__ import annotations

import pytest
import requests
from ig_helpers import ACCOUNT, ACCOUNT_2, CUSTOMER

from app.instagram import ErrorKind, InstagramError


def test_profile_uses_user_id_as_account_key(client, token):
    profile = client.get_profile(token)
    assert profile.user_id == ACCOUNT
    assert profile.id != profile.user_id  # /me id is app-scoped
    assert profile.account_type == "BUSINESS"
    assert profile.media_count == 24
    assert profile.followers_count and profile.followers_count > 0


def test_followers_change_from_day_to_day(client, token, sandbox_server):
    first = client.get_profile(token).followers_count
    seen = {first}
    for _ in range(3):
        sandbox_server.advance(86400)
        seen.add(client.get_profile(token).followers_count)
    assert len(seen) > 1


def test_other_accounts_nodes_are_not_readable(client, token):
    with pytest.raises(InstagramError) as info:
        client.get_profile(token, ig_user_id=ACCOUNT_2)
    assert info.value.code == 100 and info.value.error_subcode == 33


def test_media_paging_walks_every_item_without_duplicates(client, token):
    page = client.list_media(token, limit=10)
    assert len(page.data) == 10 and page.has_next and page.after
    ids = [m["id"] for m in client.iter_media(token, limit=10)]
    assert len(ids) == 24 == len(set(ids))
    assert ids[:10] == [m["id"] for m in page.data]
    last = client.list_media(
        token, limit=10, after=client.list_media(token, limit=10, after=page.after).after
    )
    assert len(last.data) == 4 and not last.has_next


def test_paging_never_exposes_next_urls_with_tokens(client, token, sandbox_server):
    raw = requests.get(
        f"{sandbox_server.url}/v25.0/me/media",
        params={"limit": 5, "access_token": token},
        timeout=5,
    ).json()
    assert token in raw["paging"]["next"]  # Graph puts the token in next ...
    page = client.list_media(token, limit=5)
    assert token not in repr(page)  # ... the client returns only cursors


def test_media_types_and_fields(client, token):
    items = list(client.iter_media(token, limit=50))
    kinds = {m["media_type"] for m in items}
    assert kinds == {"IMAGE", "CAROUSEL_ALBUM", "VIDEO"}
    reel = next(m for m in items if m["media_type"] == "VIDEO")
    assert reel["media_product_type"] == "REELS" and reel["thumbnail_url"]
    assert all(m["permalink"].startswith("https://www.instagram.com/p/") for m in items)
    carousel = next(m for m in items if m["media_type"] == "CAROUSEL_ALBUM")
    full = client.get_media(token, carousel["id"], fields="id,children{id,media_url}")
    assert len(full["children"]["data"]) == 3


def test_default_media_fields_are_only_ids(sandbox_server, token):
    raw = requests.get(
        f"{sandbox_server.url}/v25.0/me/media",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert set(raw["data"][0]) == {"id"}


def _media_with_comments(client, token) -> str:
    return next(m["id"] for m in client.iter_media(token) if m["comments_count"] > 0)


def test_reply_hide_and_delete_are_reflected(client, token):
    media_id = _media_with_comments(client, token)
    top = client.list_comments(token, media_id).data[0]
    reply_id = client.reply_to_comment(token, top["id"], message="Рахмет!")
    refreshed = next(c for c in client.list_comments(token, media_id).data if c["id"] == top["id"])
    assert reply_id in [r["id"] for r in refreshed["replies"]["data"]]
    assert client.list_replies(token, top["id"]).data[-1]["text"] == "Рахмет!"

    assert client.set_comment_hidden(token, top["id"], hidden=True)
    assert client.get_comment(token, top["id"])["hidden"] is True
    assert client.set_comment_hidden(token, top["id"], hidden=False)
    assert client.get_comment(token, top["id"])["hidden"] is False

    assert client.delete_comment(token, top["id"])
    assert top["id"] not in [c["id"] for c in client.list_comments(token, media_id).data]
    with pytest.raises(InstagramError):
        client.get_comment(token, top["id"])


def test_comments_are_top_level_and_counted_with_replies(client, token):
    media_id = _media_with_comments(client, token)
    comments = client.list_comments(token, media_id).data
    assert all(c.get("parent_id") is None for c in comments)
    count = client.get_media(token, media_id, fields="comments_count")["comments_count"]
    replies = sum(len(c.get("replies", {}).get("data", [])) for c in comments)
    assert count == len(comments) + replies


def test_own_comment_and_scope_check(client, sandbox_server):
    limited = sandbox_server.token(scopes=["instagram_business_basic"])
    media_id = client.list_media(limited, limit=1).data[0]["id"]
    with pytest.raises(InstagramError) as info:
        client.list_comments(limited, media_id)
    assert info.value.kind is ErrorKind.PERMISSION
    full = sandbox_server.token()
    new_id = client.create_comment(full, media_id, message="Добро пожаловать!")
    assert client.get_comment(full, new_id)["text"] == "Добро пожаловать!"


def test_conversations_and_messages(client, token):
    convs = client.list_conversations(token).data
    assert len(convs) == 2
    messages = client.list_conversation_messages(token, convs[0]["id"])
    detail = client.get_message(token, messages[0]["id"])
    assert set(detail) >= {"id", "created_time", "from", "to", "message"}
    only = client.list_conversations(token, user_id=CUSTOMER).data
    assert [c["id"] for c in only] == [convs[0]["id"]]


def test_send_text_inside_window_is_listed(client, token):
    sent = client.send_text(token, recipient_id=CUSTOMER, text="Сәлем! Да, работаем.")
    assert sent.recipient_id == CUSTOMER and sent.message_id
    conv = client.list_conversations(token, user_id=CUSTOMER).data[0]
    ids = [m["id"] for m in client.list_conversation_messages(token, conv["id"])]
    assert ids[0] == sent.message_id
    assert client.get_message(token, sent.message_id)["message"] == "Сәлем! Да, работаем."


def test_send_attachment(client, token):
    sent = client.send_attachment(token, recipient_id=CUSTOMER, url="https://example.org/menu.jpg")
    assert sent.message_id


def test_send_outside_24h_window_refused_unless_human_agent(client, token):
    stale = "6100000000000002"  # seeded thread is three days old
    with pytest.raises(InstagramError) as info:
        client.send_text(token, recipient_id=stale, text="Здравствуйте")
    assert info.value.code == 10
    assert client.send_text(token, recipient_id=stale, text="Hi", human_agent=True)


def test_private_reply_once_per_comment(client, token):
    media_id = client.list_media(token, limit=1).data[0]["id"]
    comment = next(
        c for c in client.list_comments(token, media_id).data if c["from"]["id"] != ACCOUNT
    )
    sent = client.send_private_reply(token, comment_id=comment["id"], text="Пишу в DM")
    assert sent.recipient_id == comment["from"]["id"]
    with pytest.raises(InstagramError) as info:
        client.send_private_reply(token, comment_id=comment["id"], text="Again")
    assert info.value.code == 10


def test_private_reply_refused_after_seven_days(client, token, sandbox_server):
    media_id = client.list_media(token, limit=1).data[0]["id"]
    comment = client.list_comments(token, media_id).data[0]
    sandbox_server.advance(8 * 86400)
    with pytest.raises(InstagramError):
        client.send_private_reply(token, comment_id=comment["id"], text="Late")
