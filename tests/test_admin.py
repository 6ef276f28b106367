"""Operator administration and the `flask user create` command."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from app.config import ROOT
from app.models import AuditLog, AuthSession, Membership, User
from tests.conftest import PASSWORD, app_config, csrf_from, login, post_form


def test_admin_creates_disables_and_resets_users(client, make_user, session, app):
    make_user("root", is_admin=True)
    login(client, "root")
    resp = post_form(
        client,
        "/admin/users",
        "/admin/users",
        {"username": "Dana", "display_name": "Дана", "password": "dana secret 1"},
    )
    assert resp.status_code == 302
    session.expire_all()
    dana = session.scalar(select(User).where(User.username == "dana"))
    assert dana.display_name == "Дана" and not dana.is_admin
    assert session.scalar(select(Membership).where(Membership.user_id == dana.id)).role == "owner"

    other = app.test_client()
    assert login(other, "dana", "dana secret 1").status_code == 302
    token = csrf_from(client.get("/admin/users").text)
    assert (
        client.post(f"/admin/users/{dana.id}/active", data={"csrf_token": token}).status_code == 302
    )
    assert other.get("/").status_code == 302  # signed out at once
    assert login(app.test_client(), "dana", "dana secret 1").status_code == 401

    client.post(f"/admin/users/{dana.id}/active", data={"csrf_token": token})
    resp = post_form(
        client,
        f"/admin/users/{dana.id}/password",
        f"/admin/users/{dana.id}/password",
        {"password": "reset secret 22"},
    )
    assert resp.status_code == 302
    assert login(app.test_client(), "dana", "reset secret 22").status_code == 302
    actions = set(session.scalars(select(AuditLog.action)))
    assert {"user_create", "user_disable", "user_enable", "password_reset"} <= actions


def test_duplicate_and_invalid_usernames_are_refused(client, make_user):
    make_user("root", is_admin=True)
    login(client, "root")
    resp = post_form(
        client, "/admin/users", "/admin/users", {"username": "root", "password": "long enough 1"}
    )
    assert "This username is already taken." in resp.text
    resp = post_form(
        client,
        "/admin/users",
        "/admin/users",
        {"username": "no spaces please", "password": "long enough 1"},
    )
    assert "Usernames are 3 to 64 characters" in resp.text


def test_last_admin_cannot_be_disabled(client, make_user, session):
    root = make_user("root", is_admin=True)
    login(client, "root")
    token = csrf_from(client.get("/admin/users").text)
    resp = client.post(
        f"/admin/users/{root.id}/active", data={"csrf_token": token}, follow_redirects=True
    )
    assert "You cannot disable or demote the last admin." in resp.text
    session.expire_all()
    assert session.get(User, root.id).active


def test_non_admins_get_403_on_admin_pages(logged_in):
    client, user = logged_in
    assert client.get("/admin/users").status_code == 403
    token = csrf_from(client.get("/").text)
    assert (
        client.post(f"/admin/users/{user.id}/active", data={"csrf_token": token}).status_code == 403
    )


def test_cli_user_create_with_password_stdin(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "Operator", "--admin", "--password-stdin"],
        input="operator secret 1\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "operator"))
    assert user.is_admin
    result = runner.invoke(args=["user", "create", "xyz2", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 10" in result.output


def test_flask_cli_entry_point_works_as_operators_run_it(database_url, session):
    env = {
        **os.environ,
        "KEZEK_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": app_config(database_url)["SECRET_KEY"],
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "user",
            "create",
            "cliuser",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert session.scalar(select(User.username).where(User.username == "cliuser"))
    assert session.scalar(select(AuthSession).limit(1)) is None
