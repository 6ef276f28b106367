"""Secrets stay secret: a run through sign-in, connecting, syncing, publishing, inbox actions,
API calls and errors, with every log record and all output captured, finds no Instagram access
token, app secret, password, API token or session cookie in a log line, page or API answer.

Records of the fake Instagram's own side (the sandbox and the loopback HTTP server playing
Meta's network) are left out: they stand for Meta, which knows the tokens it issued.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.models import InboxComment, InboxThread, InstagramAccount
from app.services.api_tokens import create_token
from app.services.instagram import read_token
from tests.conftest import IG_APP_SECRET, PASSWORD, TEST_KEY, csrf_from, login
from tests.publishing.conftest import PublishEnv, later
from tests.test_accounts import connect

META_SIDE = ("werkzeug", "app.instagram.sandbox")


def test_no_secret_in_logs_pages_or_api_answers(
    app, client, make_user, session, engine, ig_stack, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    answers = []

    def go(method, url, **kw):
        resp = client.open(url, method=method, **kw)
        answers.append((f"{method} {url}", resp))
        return resp

    user = make_user("alice")
    go(
        "POST",
        "/login",
        data={
            "csrf_token": csrf_from(client.get("/login").text),
            "username": "alice",
            "password": "wrong password!!",
        },
    )
    signed_in = login(client, "alice")
    cookie = client.get_cookie("kezek_session").value
    # The search can find it: the cookie is where it belongs, in Set-Cookie (left out below).
    assert cookie in signed_in.headers["Set-Cookie"]
    answers.append(("connect", connect(client)))
    account = session.scalar(select(InstagramAccount))
    ig_token = read_token(app.config["SETTINGS"], account)
    token = csrf_from(go("GET", "/accounts/").text)
    go("POST", f"/accounts/{account.id}/sync", data={"csrf_token": token})
    go("GET", f"/accounts/{account.id}")

    # Publishing through the worker, against the sandbox.
    env = PublishEnv(app, ig_stack, session, engine, session.merge(user))
    [post] = env.create([account], "image", [env.media()], caption="hi", scheduled_at=later(1))
    env.run(now=later(120), rounds=4)
    assert env.fresh(post).status in ("published", "done"), env.fresh(post).error_key
    go("GET", f"/publishing/posts/{post.id}")

    # An inbox action (a reply Instagram refuses: the comment is unknown to it).
    thread = InboxThread(
        workspace_id=account.workspace_id, account_id=account.id, kind="comment", thread_key="sec1"
    )
    session.add(thread)
    session.flush()
    comment = InboxComment(
        workspace_id=account.workspace_id,
        thread_id=thread.id,
        account_id=account.id,
        ig_comment_id="179000000000001",
        text="hi",
        from_id="6100000000000001",
        username="c",
    )
    session.add(comment)
    session.commit()
    token = csrf_from(go("GET", "/inbox/").text)
    go("POST", f"/inbox/comments/{comment.id}/reply", data={"csrf_token": token, "text": "Hi"})

    # The API with a token, including failures.
    _row, api_token = create_token(session, session.merge(user), "sec")
    session.commit()
    bearer = {"Authorization": f"Bearer {api_token}"}
    for method, url in (
        ("GET", "/api/v1/users/me"),
        ("GET", "/api/v1/accounts"),
        ("GET", f"/api/v1/accounts/{account.id}"),
        ("POST", f"/api/v1/accounts/{account.id}/sync"),
        ("POST", f"/api/v1/comments/{comment.id}/replies"),
        ("GET", f"/api/v1/posts/{post.id}"),
        ("GET", "/api/v1/nothing"),
        ("POST", "/api/v1/privacy/exports"),
    ):
        go(method, url, headers=bearer, json={"text": "Hello"} if "replies" in url else None)
    go("GET", "/api/v1/users/me", headers={"Authorization": f"Bearer {api_token}x"})
    go("GET", "/no-such-page")
    go("GET", "/admin/instagram-check")
    token = csrf_from(go("GET", "/settings/privacy").text)
    go("POST", "/settings/privacy/export", data={"csrf_token": token})

    secrets = {
        "Instagram access token": ig_token,
        "app secret": IG_APP_SECRET,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "token encryption key": TEST_KEY.split(":", 1)[1],
        "password": PASSWORD,
        "API token": api_token,
        "session cookie": cookie,
    }
    assert all(len(v) >= 12 for v in secrets.values())
    out, err = capfd.readouterr()
    places = [("stdout", out), ("stderr", err)]
    places += [
        (f"log {r.name}", f"{r.getMessage()} {r.__dict__} {r.exc_text or ''}")
        for r in caplog.records
        if not r.name.startswith(META_SIDE)
    ]
    for where, resp in answers:
        headers = "\n".join(f"{k}: {v}" for k, v in resp.headers if k != "Set-Cookie")
        places.append((where, f"{headers}\n{resp.get_data(as_text=True)}"))
    assert len(caplog.records) > 20 and len(answers) > 20
    found = [
        f"{name} in {where}"
        for where, text in places
        for name, value in secrets.items()
        if value in text and not (where.startswith("std") and _meta_side_only(text, value))
    ]
    assert not found, found


def _meta_side_only(text: str, value: str) -> bool:
    """Lines of the loopback server's access log (Meta's side) are the only ones with it."""
    return all("/_sandbox/" in line for line in text.splitlines() if value in line)
