"""Throttling of failed provider sign-ins and invitation-token guesses, per client IP.

The password sign-in's counter is reused (login_attempt rows and LOGIN_MAX_FAILURES,
LOGIN_WINDOW_SECONDS, LOGIN_LOCKOUT_SECONDS), so it holds across workers, and failures
of every kind from one address add up: guessing invitation tokens after guessing
passwords does not start a fresh budget.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import LoginAttempt
from app.services.users import Throttle, login_throttle

# Outcomes that someone probing could cause: forged or replayed callbacks, bad Telegram
# data, accounts nobody invited, and unknown invitation tokens. (A used or expired
# invitation is a real link, not a guess.)
GUESSES = {
    "state_mismatch",
    "provider_failed",
    "telegram_invalid",
    "telegram_stale",
    "identity_unknown",
    "user_disabled",
    "invitation_invalid",
}


def _key(ip: str) -> str:
    # Never a username ('#' is not allowed in them); one key per address, so these
    # failures never lock out a username or every address at once.
    return f"#signin {ip}"[:64]


def check(session: Session, ip: str, settings) -> Throttle:
    """Whether this address is locked out now (any failed sign-in counts)."""
    return login_throttle(
        session,
        _key(ip),
        ip[:45],
        max_failures=settings.LOGIN_MAX_FAILURES,
        window=settings.LOGIN_WINDOW_SECONDS,
        lockout=settings.LOGIN_LOCKOUT_SECONDS,
    )


def failed(session: Session, ip: str, code: str) -> bool:
    """Count a failure if `code` is one a prober could cause; True when it was counted."""
    if code not in GUESSES:
        return False
    session.add(LoginAttempt(username=_key(ip), ip=ip[:45], success=False))
    session.flush()
    return True
