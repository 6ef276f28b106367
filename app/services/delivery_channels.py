"""Sending one message by e-mail (SMTP_URL, smtplib) or Telegram (Bot API over HTTPS)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import requests


class ChannelError(Exception):
    """A message could not be sent; the text never contains a secret."""


class ChannelNotConfigured(ChannelError):
    """The server has no SMTP_URL or TELEGRAM_BOT_TOKEN."""


def email_configured(settings) -> bool:
    """Whether e-mail can be sent from this server."""
    return bool(settings.SMTP_URL)


def telegram_configured(settings) -> bool:
    """Whether Telegram messages can be sent from this server."""
    return bool(settings.TELEGRAM_BOT_TOKEN)


def parse_smtp_url(url: str) -> dict:
    """smtp://user:pass@host:port?starttls=1, or smtps:// for TLS from the first byte."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ChannelNotConfigured("SMTP_URL must look like smtp://user:password@host:587")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    ssl_on = parts.scheme == "smtps"
    starttls = not ssl_on and query.get("starttls", "").lower() in ("1", "true", "yes", "on")
    return {
        "host": parts.hostname,
        "port": parts.port or (465 if ssl_on else 587 if starttls else 25),
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "ssl": ssl_on,
        "starttls": starttls,
    }


def send_email(settings, to: str, subject: str, body: str) -> None:
    """Send a plain-text e-mail through SMTP_URL."""
    if not email_configured(settings):
        raise ChannelNotConfigured("e-mail is not configured")
    cfg = parse_smtp_url(settings.SMTP_URL)
    msg = EmailMessage()
    msg["From"] = settings.SMTP_FROM
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    timeout = settings.NOTIFY_TIMEOUT_SECONDS
    try:
        if cfg["ssl"]:
            smtp = smtplib.SMTP_SSL(
                cfg["host"], cfg["port"], timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(cfg["host"], cfg["port"], timeout=timeout)
        with smtp:
            if cfg["starttls"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["user"]:
                smtp.login(cfg["user"], cfg["password"])
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        # The exception text may echo the server's reply but never our password.
        code = getattr(exc, "smtp_code", None)
        raise ChannelError(f"smtp {type(exc).__name__}{f' {code}' if code else ''}") from None


def send_telegram(settings, chat_id: str, text: str) -> None:
    """Send a message to a Telegram chat with the Bot API's sendMessage."""
    if not telegram_configured(settings):
        raise ChannelNotConfigured("telegram is not configured")
    base = settings.TELEGRAM_API_URL.rstrip("/")
    url = f"{base}/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    try:
        resp = requests.post(
            url,
            json={"chat_id": chat_id, "text": text[:4096], "disable_web_page_preview": True},
            timeout=settings.NOTIFY_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        # requests puts the URL (with the bot token) in its messages: keep only the type.
        raise ChannelError(f"telegram {type(exc).__name__}") from None
    try:
        data = resp.json()
    except ValueError:
        data = {}
    if resp.status_code != 200 or not data.get("ok"):
        desc = str(data.get("description") or "")[:120].replace(settings.TELEGRAM_BOT_TOKEN, "***")
        raise ChannelError(f"telegram {resp.status_code} {desc}".strip())
