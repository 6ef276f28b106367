"""Media checks of the sandbox: real HTTP fetches, JPEG, size, aspect ratio (§4.6)."""

from __future__ import annotations

import io
import os
import re
import threading
from typing import Any

import requests
from PIL import Image, UnidentifiedImageError

from app.instagram.sandbox.common import GraphError

MiB = 1024 * 1024
IMAGE_MAX = 8 * MiB
# Reel limit is 300 MB in the current page (1 GB in older copies); stories 100 MB.
VIDEO_MAX = {"REELS": 300 * MiB, "STORIES": 100 * MiB, "VIDEO": 300 * MiB}
VIDEO_TYPES = ("video/mp4", "video/quicktime")


def _unreachable(url: str) -> GraphError:
    return GraphError(
        9004,
        "(#9004) Only photo or video can be accepted as media type.",
        subcode=2207052,
        user_title="Media download has failed.",
        user_msg=f"The media could not be fetched from this uri: {url}",
    )


_LOCAL = threading.local()
_PROXY_ENV = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _session() -> requests.Session:
    """A keep-alive session per thread, as a real fetcher reuses its connections."""
    session = getattr(_LOCAL, "session", None)
    if session is None:
        session = requests.Session()
        # Without proxy variables, skip requests' scan of the environment on every fetch.
        session.trust_env = any(k.lower() in _PROXY_ENV for k in os.environ)
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and not session.trust_env:
            session.verify = bundle
        _LOCAL.session = session
    return session


def _fetch(url: str, limit: int, timeout: float) -> tuple[bytes, str]:
    """Download like Meta's fetcher: public, unauthenticated, size-capped."""
    if not re.match(r"^https?://", url or "") or not url.isascii():
        raise _unreachable(url)
    try:
        with _session().get(url, stream=True, timeout=timeout) as resp:
            if resp.status_code != 200:
                raise _unreachable(url)
            body = bytearray()
            for chunk in resp.iter_content(64 * 1024):
                body.extend(chunk)
                if len(body) > limit:
                    break
            return bytes(body), resp.headers.get("Content-Type", "").split(";")[0]
    except requests.Timeout as exc:
        raise GraphError(
            -2,
            "Media download timed out",
            subcode=2207003,
            user_title="Media download timed out",
            status=400,
        ) from exc
    except requests.RequestException as exc:
        raise _unreachable(url) from exc


def check_image(url: str, *, feed: bool, timeout: float) -> None:
    """Fetch an image and enforce JPEG, 8 MiB and (feed only) 4:5..1.91:1."""
    body, _ = _fetch(url, IMAGE_MAX, timeout)
    if len(body) > IMAGE_MAX:
        raise GraphError(
            36000,
            "(#36000) Image size too large",
            subcode=2207004,
            user_title="Image too large",
            user_msg="The image is too large to download. It should be less than 8 MiB.",
        )
    try:
        with Image.open(io.BytesIO(body)) as img:
            fmt, (width, height) = img.format, img.size
    except (UnidentifiedImageError, OSError) as exc:
        raise _unreachable(url) from exc
    if fmt != "JPEG":  # MPO/JPS, PNG, GIF, WebP ... are refused
        raise GraphError(
            36001,
            "(#36001) Invalid image format",
            subcode=2207005,
            user_title="Unsupported image format",
            user_msg="The image format is not supported. Use JPEG.",
        )
    ratio = width / height
    if feed and not 0.8 <= round(ratio, 3) <= 1.91:
        raise GraphError(
            36003,
            "(#36003) Invalid aspect ratio",
            subcode=2207009,
            user_title="Aspect ratio not supported",
            user_msg="The submitted image with aspect ratio "
            f"('{width}/{height}') cannot be published. Please submit an "
            "image with a valid aspect ratio (4:5 to 1.91:1).",
        )


def check_video(url: str, kind: str, timeout: float) -> str | None:
    """Fetch a video; return an error text for the container, None when fine."""
    # No decoding: the sandbox checks reachability, Content-Type/extension and size.
    try:
        body, ctype = _fetch(url, VIDEO_MAX[kind], timeout)
    except GraphError as err:
        return f"{err.code}:{err.subcode}"
    ext_ok = url.lower().split("?")[0].endswith((".mp4", ".mov"))
    if ctype not in VIDEO_TYPES and not (ctype == "application/octet-stream" and ext_ok):
        return "352:2207026"
    if len(body) > VIDEO_MAX[kind]:
        return "352:2207026"
    return None


def caption_checked(caption: Any) -> str | None:
    """Enforce 2,200 characters, 30 hashtags and 20 @-mentions."""
    if caption is None:
        return None
    text = str(caption)
    too_long = (
        len(text) > 2200 or len(re.findall(r"#\w", text)) > 30 or len(re.findall(r"@\w", text)) > 20
    )
    if too_long:
        raise GraphError(
            36004,
            "(#36004) Caption too long",
            subcode=2207010,
            user_title="Caption too long",
            user_msg="Captions are limited to 2,200 characters, 30 hashtags and 20 @ tags.",
        )
    return text
