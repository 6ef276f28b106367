"""Localized texts for media error codes, warnings, actions and transcoding reasons."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

ERRORS = {
    "unsupported": _l(
        "This file is not an image or video Kezek can use. Upload a JPEG, PNG, WebP or HEIC "
        "image, or an MP4 or MOV video."
    ),
    "empty": _l("The file is empty."),
    "no_file": _l("Choose a file to upload."),
    "too_large": _l("The file is too large. The limit is %(limit_mb)s MB."),
    "write_failed": _l(
        "The server could not save the file (the disk may be full). Nothing was kept; "
        "please try again later or tell your administrator."
    ),
    "too_many_pixels": _l(
        "The image has too many pixels (the limit is %(limit)s megapixels). Resize it and "
        "upload it again."
    ),
    "damaged": _l("The image is damaged or incomplete. Export it again and upload it."),
    "trailing_data": _l(
        "The image carries extra data after the picture (for example a motion photo or a "
        "hidden archive). Export it as a plain photo and upload it again."
    ),
    "heic_unsupported": _l("HEIC images are not supported on this server. Upload a JPEG."),
    "too_large_after_conversion": _l("The image is still over 8 MB after conversion."),
    "video_unreadable": _l("The video could not be read. It may be damaged or incomplete."),
    "video_truncated": _l("The video is incomplete (the upload may have been cut short)."),
    "video_no_picture": _l("The file has no video picture (audio only?)."),
    "in_use": _l("A post still uses this file, so it cannot be deleted."),
    "fix_unknown": _l("Choose crop or pad."),
    "fix_not_possible": _l("Only ready images can be cropped or padded."),
    "fix_not_needed": _l("The aspect ratio of this image already fits the feed."),
    "transcode_failed": _l("Converting the video failed. Try exporting it as MP4 (H.264)."),
    # check_public_url() keys: why Instagram could not fetch a media URL.
    "media_not_ready": _l("The media file is not ready yet (still processing, or removed)."),
    "public_url_not_https": _l(
        "PUBLIC_BASE_URL must start with https:// so Instagram can fetch media from it."
    ),
    "public_url_private": _l(
        "PUBLIC_BASE_URL points at a private or local address that Instagram cannot reach. "
        "Use the public domain of this server."
    ),
    "public_url_unresolvable": _l("The domain in PUBLIC_BASE_URL does not resolve in DNS."),
    "public_url_unreachable": _l(
        "The media URL did not answer from the public side. Check that the server is "
        "reachable from the internet at PUBLIC_BASE_URL."
    ),
    "public_url_status": _l("The media URL answered with an error instead of the file."),
    "public_url_wrong_type": _l("The media URL answered with something other than the file."),
}

WARNINGS = {
    "aspect_outside_feed": _l(
        "The aspect ratio %(ratio)s is outside the feed's range (4:5 to 1.91:1): feed posts "
        "and carousels will be refused. Kezek can crop or pad it; Stories accept it as it is."
    ),
    "image_small": _l(
        "The image is only %(width)s pixels wide; Instagram scales it up to 320 and it may "
        "look blurry."
    ),
    "video_too_short": _l("Reels and Stories must be at least %(seconds)s seconds long."),
    "video_too_long": _l("Reels can be at most %(minutes)s minutes long."),
    "story_too_long": _l("Stories can be at most %(seconds)s seconds long; Reels are fine."),
}

ACTIONS = {
    "converted_to_jpeg": _l("Converted to JPEG (Instagram accepts only JPEG images)."),
    "converted_to_srgb": _l("Colour profile converted to sRGB."),
    "transparency_flattened": _l("Transparent areas filled with white."),
    "rotated": _l("Rotated upright as the camera recorded."),
    "resized": _l("Scaled down to 1440 pixels wide."),
    "metadata_removed": _l("Camera metadata (such as location) removed."),
    "cropped": _l("Cropped into the feed's aspect range."),
    "padded": _l("Padded with white into the feed's aspect range."),
    "transcoded": _l("Converted to H.264/AAC MP4 for Reels and Stories."),
}

TRANSCODE_REASONS = {
    "container": _l("the file type is not MP4 or MOV"),
    "video_codec": _l("the video codec is not H.264 or HEVC"),
    "pixel_format": _l("the colour format is not 4:2:0"),
    "frame_rate": _l("the frame rate is outside 23–60 fps"),
    "resolution": _l("it is wider than 1920 pixels"),
    "audio": _l("the sound is not AAC stereo at 48 kHz or less"),
    "bitrate": _l("the bitrate is over 25 Mbps"),
    "moov_at_end": _l("its index (moov atom) is at the end of the file"),
    "edit_list": _l("it contains edit lists"),
    "rotation": _l("it is stored rotated"),
    "file_size": _l("it is larger than 300 MB"),
}


def _render(table: dict, code: str, params: dict | None) -> str:
    template = table.get(code)
    if template is None:
        return code
    if params:  # numbers in the reader's locale (1,5 in Russian)
        params = {k: format_decimal(v) if isinstance(v, float) else v for k, v in params.items()}
    try:
        return str(template) % (params or {}) if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def error_text(code: str, params: dict | None = None) -> str:
    """The translated text of a MediaError code or a check_public_url() key."""
    return _render(ERRORS, code, params)


def warning_text(warning: dict) -> str:
    """The translated text of a validation warning {"code", "params"}."""
    return _render(WARNINGS, warning.get("code", ""), warning.get("params"))


def action_text(code: str) -> str:
    return _render(ACTIONS, code, None)


def reason_text(code: str) -> str:
    return _render(TRANSCODE_REASONS, code, None)
