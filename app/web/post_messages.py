"""Localized texts for post error codes (PostError) and publishing failure keys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.web.instagram_messages import BY_KEY as INSTAGRAM_TEXTS

POST_ERRORS = {
    "forbidden": _l("You do not have permission to do this."),
    "type_invalid": _l("Choose a post type: image, carousel, Reel or Story."),
    "caption_too_long": _l("The caption is longer than 2,200 characters."),
    "too_many_hashtags": _l("The caption has more than 30 hashtags."),
    "too_many_mentions": _l("The caption mentions more than 20 accounts."),
    "first_comment_too_long": _l("The first comment is longer than 2,200 characters."),
    "too_many_collaborators": _l("A post can have at most 3 collaborators."),
    "accounts_required": _l("Choose at least one account."),
    "account_not_found": _l("One of the chosen accounts does not exist in this workspace."),
    "media_not_found": _l("One of the chosen media files does not exist in this workspace."),
    "media_not_ready": _l("A media file is still being processed or failed to process."),
    "cover_not_image": _l("The Reel cover must be an image."),
    "image_needs_one_image": _l("An image post needs exactly one image."),
    "carousel_count": _l("A carousel needs 2 to 10 images or videos."),
    "reel_needs_one_video": _l("A Reel needs exactly one video."),
    "story_needs_one_media": _l("A Story needs exactly one image or video."),
    "thumb_offset_invalid": _l("The thumbnail offset must be zero or more milliseconds."),
    "scheduled_at_invalid": _l("The date and time is not valid."),
    "scheduled_in_past": _l("The chosen time is in the past."),
    "not_editable": _l("This post can no longer be changed: publishing has started."),
    "not_failed": _l("Only failed posts can be retried."),
    "not_pending": _l("This post is not waiting for approval."),
    "not_deletable": _l("This post is being published right now; try again in a minute."),
    "media_url_unreachable": _l(
        "Instagram could not download the media file. Check that PUBLIC_BASE_URL is reachable "
        "from the internet."
    ),
    "public_url_not_https": _l("Media must be served over HTTPS in production."),
    "public_url_status": _l(
        "The media URL did not answer with the file. Check PUBLIC_BASE_URL and the proxy."
    ),
    "public_url_wrong_type": _l("The media URL answered with another kind of content."),
    "public_url_unreachable": _l(
        "The media URL could not be reached. Check that PUBLIC_BASE_URL is reachable from the "
        "internet."
    ),
    "public_url_unresolvable": _l("The host name of PUBLIC_BASE_URL does not resolve."),
    "public_url_private": _l(
        "PUBLIC_BASE_URL points to a private or loopback address that Instagram cannot reach."
    ),
}

# Why the worker failed or paused a post (message_key of the post and of its log rows).
PUBLISH_ERRORS = {
    "deadline_passed": _l(
        "Kezek could not publish the post within the allowed time after it was due."
    ),
    "reconnect_needed": _l(
        "Paused: the account's Instagram connection stopped working. Reconnect the account and "
        "the post will be published."
    ),
    "account_disconnected": _l(
        "Not published: the account stayed disconnected until after the post's deadline. "
        "Reschedule the post or retry it."
    ),
    "container_error": _l("Instagram could not process the media file."),
    "container_expired": _l("The prepared upload expired before it was published."),
    "media_not_ready": _l("Instagram is still processing the video."),
    "quota_exceeded": _l(
        "The account reached Instagram's publishing limit; Kezek waits for the 24-hour window."
    ),
    "rate_limited": _l("Instagram asked Kezek to slow down; it will try again."),
    "transient": _l("Instagram did not answer; Kezek will try again."),
    "account_missing": _l("The account of this post was disconnected."),
    "media_missing": _l("A media file of this post was deleted."),
    "video_format": _l("Instagram refused the video's format."),
    "image_too_large": _l("The image is larger than Instagram accepts (8 MB)."),
    "spam_restricted": _l("Instagram restricted this account's publishing as possible spam."),
    "account_restricted": _l("Instagram restricted this account."),
    "policy_blocked": _l("Instagram blocked the action for a policy reason."),
    "comment_failed": _l("The post was published, but the first comment could not be added."),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "pending_approval": _l("Pending approval"),
    "scheduled": _l("Scheduled"),
    "preparing": _l("Preparing"),
    "ready": _l("Ready"),
    "publishing": _l("Publishing"),
    "published": _l("Published"),
    "commenting": _l("Adding first comment"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}

# Informational steps of a post's log (message_key of rows whose result is "info").
INFO_LABELS = {
    "reconnect_needed": _l("Paused until the account is reconnected"),
    "reconnected": _l("The account was reconnected; publishing resumed"),
}

FALLBACK = _l("Something went wrong with this post.")


def post_error_text(code: str | None) -> str:
    """A translated sentence for a PostError code or a publishing failure key."""
    if not code:
        return ""
    text = POST_ERRORS.get(code) or PUBLISH_ERRORS.get(code) or INSTAGRAM_TEXTS.get(code)
    return str(text or FALLBACK)


def status_label(status: str) -> str:
    """The translated name of a post status."""
    return str(STATUS_LABELS.get(status) or INFO_LABELS.get(status) or status)
