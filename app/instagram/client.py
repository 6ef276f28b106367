"""InstagramClient: the Instagram API with Instagram Login, as one object."""

from __future__ import annotations

from app.instagram.content import ContentMixin
from app.instagram.insights import InsightsMixin
from app.instagram.messaging import MessagingMixin
from app.instagram.oauth import OAuthMixin
from app.instagram.publishing import PublishingMixin


class InstagramClient(OAuthMixin, ContentMixin, MessagingMixin, PublishingMixin, InsightsMixin):
    """Thread-compatible Graph client; pass the account's token to each call.

    Keyword settings: graph_url, api_url, authorize_url, app_id, app_secret,
    api_version, timeout, session, on_usage(ig_user_id_or_None, UsageInfo).
    """
