"""Operator commands: `flask --app app user create`, `flask --app app db upgrade`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(tokens_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(token_cli)


@click.group("user", cls=AppGroup, help="Manage users.")
def user_cli():
    pass


@user_cli.command("create")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make the user an operator admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default="", help="Name shown in the dashboard.")
def user_create(username: str, admin: bool, password_stdin: bool, display_name: str):
    """Create a user (with their own workspace); the password is prompted or read from stdin."""
    from app.services import audit
    from app.services.users import UserError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            db.session, username, password, is_admin=admin, display_name=display_name
        )
    except UserError as e:
        raise click.ClickException(_cli_error(e.code)) from None
    audit.record(db.session, "user_create", username="cli", detail={"username": user.username})
    db.session.commit()
    click.echo(f"Created user {user.username}" + (" (admin)" if admin else ""))


def _cli_error(code: str) -> str:
    return {
        "password_too_short": "the password must be at least 10 characters long",
        "password_too_long": "the password must be at most 72 bytes long",
        "username_invalid": "usernames are 3-64 characters: a-z, 0-9, '.', '-', '_'",
        "username_taken": "this username is already taken",
    }.get(code, code)


@click.group("db", cls=AppGroup, help="Database schema.")
def db_cli():
    pass


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Apply migrations up to REVISION (default: head)."""
    from app.migrate import upgrade

    upgrade(current_app.config["SETTINGS"].DATABASE_URL, revision)
    click.echo("Database is up to date.")


@click.group("token", cls=AppGroup, help="Manage REST API tokens.")
def token_cli():
    pass


@token_cli.command("create")
@click.argument("username")
@click.option("--read-only", is_flag=True, help="The token may only read.")
@click.option("--name", default="cli", show_default=True, help="A name to recognise it by.")
@click.option("--expires-days", type=click.IntRange(min=1), help="Expire after this many days.")
def token_create(username: str, read_only: bool, name: str, expires_days: int | None):
    """Create an API token for USERNAME and print it (it is shown only this once)."""
    from datetime import timedelta

    from app.models import utcnow
    from app.services.api_tokens import TokenError, create_token
    from app.services.users import find_user

    user = find_user(db.session, username)
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username!r}")
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        _token, raw = create_token(
            db.session, user, name, read_only=read_only, expires_at=expires_at, via="cli"
        )
    except TokenError as e:
        raise click.ClickException(e.code) from None
    db.session.commit()
    click.echo(raw)


@token_cli.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
def token_revoke(username: str, token_id: int):
    """Revoke token TOKEN_ID of USERNAME."""
    from app.services.api_tokens import get_token, revoke_token
    from app.services.users import find_user

    user = find_user(db.session, username)
    token = get_token(db.session, user, token_id) if user else None
    if token is None:
        raise click.ClickException("no such token")
    revoke_token(db.session, token, actor=user)
    db.session.commit()
    click.echo(f"Revoked token {token_id}")


@click.group("tokens", cls=AppGroup, help="Instagram access tokens.")
def tokens_cli():
    pass


@tokens_cli.command("rotate")
def tokens_rotate():
    """Re-encrypt every stored Instagram token and webhook secret under the newest key."""
    from app.services.instagram import rotate_tokens
    from app.services.outgoing_webhooks.endpoints import rotate_keys

    changed = rotate_tokens(db.session, current_app.config["SETTINGS"])
    secrets_changed = rotate_keys(db.session, current_app.config["SETTINGS"])
    db.session.commit()
    click.echo(f"Re-encrypted {changed} token(s).")
    click.echo(f"Re-encrypted {secrets_changed} webhook secret(s).")
