"""Tracked links: links in automated DMs go through a Kezek redirect so clicks are counted.

Only links the owner wrote in a flow step or a rule's DM text are tracked. They are found
before {{placeholders}} are filled, so nothing a contact typed can become a redirect target.
Each link is stored per contact under an unguessable token; /r/<token> leads only to the
stored URL (never an open redirect). A click keeps the link, contact, flow, step and time:
no IP address, no browser details.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app.models import AutomationLink, AutomationLinkClick, utcnow
from app.services.inbox_rules import DM_MAX_BYTES

URL_RE = re.compile(r"https?://[^\s<>\"'{}|\\^`]+", re.IGNORECASE)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
TRAILING = ".,;:!?)]}»”’\"'"
MAX_URL = 2000
# Link-preview fetchers open every link as soon as a message is sent: not a person's click.
PREVIEW_AGENTS = ("facebookexternalhit", "facebot", "meta-externalagent", "meta-externalfetcher")


def redirect_url(settings, token: str) -> str:
    """The public short URL of a tracked link."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/r/{token}"


def _trim(raw: str) -> str:
    """A matched link without the sentence's punctuation after it ("(x)" keeps its ")")."""
    url = raw
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def links_in(text: str | None) -> list[str]:
    """The http(s) links of a text, without trailing punctuation."""
    out = []
    for match in URL_RE.finditer(text or ""):
        url = _trim(match.group(0))
        if len(url) > len("https://") and len(url) <= MAX_URL:
            out.append(url)
    return out


def _link(
    session: Session, ws: int, url: str, contact_id, flow_id, step_position, rule_id
) -> AutomationLink:
    digest = hashlib.sha256(url.encode()).hexdigest()
    row = session.scalar(
        select(AutomationLink).where(
            AutomationLink.contact_id.is_not_distinct_from(contact_id),
            AutomationLink.url_hash == digest,
            AutomationLink.flow_id.is_not_distinct_from(flow_id),
            AutomationLink.step_position.is_not_distinct_from(step_position),
            AutomationLink.rule_id.is_not_distinct_from(rule_id),
            AutomationLink.workspace_id == ws,
        )
    )
    if row is None:
        row = AutomationLink(
            workspace_id=ws,
            token=secrets.token_urlsafe(16),
            url=url,
            url_hash=digest,
            contact_id=contact_id,
            flow_id=flow_id,
            step_position=step_position,
            rule_id=rule_id,
        )
        session.add(row)
        session.flush()
    return row


def track(ctx, text: str | None, *, flow_id=None, step_position=None, rule_id=None) -> str:
    """The owner's text with each http(s) link replaced by its tracked redirect URL.

    Called on the stored text before placeholders are filled. The text stays as written when
    the redirects would make it longer than a DM may be.
    """
    text = text or ""
    urls = links_in(text)
    if not urls:
        return text
    ws = ctx.account.workspace_id
    contact_id = ctx.contact.id if ctx.contact is not None else None

    def swap(match: re.Match) -> str:
        raw = match.group(0)
        url = _trim(raw)
        if url not in urls:
            return raw
        link = _link(ctx.session, ws, url, contact_id, flow_id, step_position, rule_id)
        return redirect_url(ctx.settings, link.token) + raw[len(url) :]

    out = URL_RE.sub(swap, text)
    return out if len(out.encode()) <= DM_MAX_BYTES else text


def is_preview(user_agent: str | None) -> bool:
    """Whether a request comes from a link-preview fetcher rather than a person."""
    agent = (user_agent or "").lower()
    return any(bot in agent for bot in PREVIEW_AGENTS)


def follow(
    session: Session,
    token: str,
    *,
    user_agent: str = "",
    count: bool = True,
    now: datetime | None = None,
) -> str | None:
    """The stored URL of a token (recording the click), or None for an unknown token."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    link = session.scalar(select(AutomationLink).where(AutomationLink.token == token))
    # MariaDB compares strings case-insensitively: the token must match exactly.
    if link is None or link.token != token:
        return None
    if not link.url.lower().startswith(("https://", "http://")):
        return None
    if count and not is_preview(user_agent):
        session.add(
            AutomationLinkClick(
                workspace_id=link.workspace_id,
                link_id=link.id,
                contact_id=link.contact_id,
                flow_id=link.flow_id,
                step_position=link.step_position,
                rule_id=link.rule_id,
                at=now or utcnow(),
            )
        )
        session.flush()
    return link.url


def click_stats(session: Session, *, flow_id=None, rule_id=None) -> dict:
    """Clicks (total) and clicked (unique contacts) of a flow or rule, also per flow step."""
    column = AutomationLinkClick.flow_id if flow_id is not None else AutomationLinkClick.rule_id
    key = flow_id if flow_id is not None else rule_id
    clicks, clicked = session.execute(
        select(func.count(), func.count(distinct(AutomationLinkClick.contact_id))).where(
            column == key
        )
    ).one()
    steps = {}
    if flow_id is not None:
        for position, n, unique in session.execute(
            select(
                AutomationLinkClick.step_position,
                func.count(),
                func.count(distinct(AutomationLinkClick.contact_id)),
            )
            .where(AutomationLinkClick.flow_id == flow_id)
            .group_by(AutomationLinkClick.step_position)
        ):
            steps[position] = {"clicks": n, "clicked": unique}
    return {"clicks": clicks or 0, "clicked": clicked or 0, "steps": steps}
