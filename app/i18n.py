"""Locale and timezone selection, and date formatting in the workspace timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g, request, session
from flask_babel import format_datetime
from flask_login import current_user

LANGUAGES = ("ru", "kk", "en")
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}


def select_locale() -> str:
    """User setting, then session, then Accept-Language, then DEFAULT_LOCALE."""
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and getattr(user, "locale", None) in LANGUAGES:
        return user.locale
    api_locale = g.get("api_locale")
    if api_locale in LANGUAGES:
        return api_locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    best = request.accept_languages.best_match(LANGUAGES) if request else None
    return best or current_app.config["SETTINGS"].DEFAULT_LOCALE


def valid_timezone(name: str) -> bool:
    """Tell whether `name` is a known IANA timezone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def select_timezone() -> str:
    """The current workspace's timezone, else the user's, else the default."""
    ws = g.get("workspace")
    if ws is not None:
        return ws.timezone
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and user.timezone:
        return user.timezone
    return current_app.config["SETTINGS"].DEFAULT_TIMEZONE


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """Format an aware datetime in the selected timezone and locale."""
    if value is None:
        return ""
    return format_datetime(value, fmt)
