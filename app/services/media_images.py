"""Images: identified by their bytes, checked, converted to sRGB JPEG (reference §4.6)."""

from __future__ import annotations

import io
import logging
import os
import struct
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from app.services.media_store import MediaError, discard

log = logging.getLogger("kezek.media")

try:  # HEIC/HEIF from iPhones: pillow-heif registers a Pillow opener.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the wheel is in requirements.txt
    HEIF_SUPPORTED = False

HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}
FEED_MIN, FEED_MAX = 0.8, 1.91  # 4:5 ... 1.91:1
MAX_WIDTH, MIN_WIDTH = 1440, 320
MAX_JPEG_BYTES = 8 * 1024 * 1024
QUALITIES = (90, 82, 74, 66, 58)
SRGB = ImageCms.createProfile("sRGB")
SRGB_BYTES = ImageCms.ImageCmsProfile(SRGB).tobytes()


def sniff(head: bytes) -> str | None:
    """What the first bytes say: jpeg, png, webp, heif, video, or None (unknown)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "heif" if head[8:12] in HEIF_BRANDS else "video"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):  # old QuickTime files
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3") or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return "video"  # Matroska/WebM, AVI: transcoded
    return None


def _ends_cleanly(path: Path, kind: str) -> bool:
    """False when bytes follow the end of the image (a polyglot or hidden payload)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if kind == "webp":
            f.seek(4)
            riff = struct.unpack("<I", f.read(4))[0]
            return size in (riff + 8, riff + 9)
        f.seek(max(0, size - 64 * 1024))
        tail = f.read().rstrip(b"\x00")
    if kind == "jpeg":
        return tail.endswith(b"\xff\xd9")
    if kind == "png":
        return tail.endswith(b"IEND\xaeB`\x82")
    return True


def open_checked(path: Path, kind: str, max_pixels: int) -> Image.Image:
    """Open and fully decode an image, refusing bombs, damage and foreign formats.

    Pillow's own decompression-bomb guard stays on (it refuses anything over twice
    Image.MAX_IMAGE_PIXELS while reading the header); MEDIA_MAX_PIXELS is checked on the
    header too, before any pixel is decoded.
    """
    if kind == "heif" and not HEIF_SUPPORTED:
        raise MediaError("heic_unsupported")
    try:
        img = Image.open(path, formats=[PILLOW_FORMATS[kind], "MPO"])
        if img.width * img.height > max_pixels:
            img.close()
            raise MediaError("too_many_pixels", limit=max_pixels // 1_000_000)
        img.info["original_size"] = img.size
        if img.format in ("JPEG", "MPO"):
            # Decode at the smallest scale still 1440 px both ways (so also once rotated).
            img.draft("RGB", (MAX_WIDTH, MAX_WIDTH))
        img.load()
    except Image.DecompressionBombError as exc:
        raise MediaError("too_many_pixels", limit=max_pixels // 1_000_000) from exc
    except (UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise MediaError("unsupported") from exc
    except OSError as exc:  # truncated or corrupt data
        raise MediaError("damaged") from exc
    if not _ends_cleanly(path, kind):
        img.close()
        raise MediaError("trailing_data")
    return img


def to_srgb_rgb(img: Image.Image) -> tuple[Image.Image, list[str]]:
    """Rotate by EXIF, flatten transparency on white, convert the colour profile to sRGB."""
    actions = []
    if img.getexif().get(0x0112, 1) != 1:  # the EXIF orientation tag
        actions.append("rotated")
    img = ImageOps.exif_transpose(img)
    icc = img.info.get("icc_profile")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
        actions.append("transparency_flattened")
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if img.mode not in ("RGB", "CMYK", "L"):
                img = img.convert("RGB")
            img = ImageCms.profileToProfile(img, src, SRGB, outputMode="RGB")
            actions.append("converted_to_srgb")
        except (ImageCms.PyCMSError, OSError, ValueError):
            log.info("ignoring an unreadable colour profile")
    if img.mode != "RGB":
        img = img.convert("RGB")
    return img, actions


def save_jpeg(img: Image.Image, dest: Path) -> int:
    """Write an sRGB JPEG under 8 MiB (lowering quality if needed); return its size."""
    for quality in QUALITIES:
        # Encoded in memory, then written by Python: Pillow's own writes to a file ignore a
        # full disk (ENOSPC) and would leave a truncated JPEG that looks stored.
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, optimize=True, icc_profile=SRGB_BYTES)
        if buf.tell() > MAX_JPEG_BYTES:
            continue
        try:
            with open(dest, "wb") as out:
                out.write(buf.getbuffer())
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            discard(dest)
            log.error("writing a converted image failed", extra={"errno": exc.errno})
            raise MediaError("write_failed") from exc
        return dest.stat().st_size
    discard(dest)
    raise MediaError("too_large_after_conversion")


def aspect_warning(width: int, height: int) -> dict | None:
    """A warning when the feed would refuse the aspect ratio (4:5 to 1.91:1)."""
    ratio = width / height
    if FEED_MIN <= round(ratio, 3) <= FEED_MAX:
        return None
    return {"code": "aspect_outside_feed", "params": {"ratio": f"{ratio:.2f}:1"}}


def convert_image(src: Path, kind: str, dest: Path, max_pixels: int) -> dict:
    """Check and convert an uploaded image into `dest` (JPEG); return what was done."""
    with open_checked(src, kind, max_pixels) as original:
        fmt = original.format or kind.upper()
        orig_w, orig_h = original.info["original_size"]
        img, actions = to_srgb_rgb(original)
    if fmt not in ("JPEG", "MPO"):
        actions.insert(0, "converted_to_jpeg")
    if img.width > MAX_WIDTH:
        height = max(1, round(img.height * MAX_WIDTH / img.width))
        img = img.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
        actions.append("resized")
    actions.append("metadata_removed")
    size = save_jpeg(img, dest)
    warnings_ = []
    if img.width < MIN_WIDTH:
        warnings_.append({"code": "image_small", "params": {"width": img.width}})
    aspect = aspect_warning(img.width, img.height)
    if aspect:
        warnings_.append(aspect)
    return {
        "format": fmt,
        "original": {"width": orig_w, "height": orig_h},
        "width": img.width,
        "height": img.height,
        "bytes": size,
        "actions": actions,
        "warnings": warnings_,
        "fixes": ["crop", "pad"] if aspect else [],
    }


def fix_aspect(src: Path, dest: Path, mode: str) -> dict:
    """A new JPEG from a ready one, cropped or padded into the feed's aspect range."""
    with Image.open(src, formats=["JPEG"]) as img:
        img.load()
        img = img.convert("RGB")
    w, h = img.size
    target = FEED_MIN if w / h < FEED_MIN else FEED_MAX
    if mode == "crop":
        if w / h < target:  # too tall: keep the middle band
            new_h = max(1, int(w / target))
            top = (h - new_h) // 2
            img = img.crop((0, top, w, top + new_h))
        else:  # too wide
            new_w = max(1, int(h * target))
            left = (w - new_w) // 2
            img = img.crop((left, 0, left + new_w, h))
    else:
        if w / h < target:  # too tall: widen with white bars
            canvas = Image.new("RGB", (round(h * target), h), (255, 255, 255))
        else:
            canvas = Image.new("RGB", (w, round(w / target)), (255, 255, 255))
        canvas.paste(img, ((canvas.width - w) // 2, (canvas.height - h) // 2))
        img = canvas
    if img.width > MAX_WIDTH:
        img = img.resize((MAX_WIDTH, max(1, round(img.height * MAX_WIDTH / img.width))))
    size = save_jpeg(img, dest)
    return {
        "format": "JPEG",
        "width": img.width,
        "height": img.height,
        "bytes": size,
        "actions": ["cropped" if mode == "crop" else "padded"],
        "warnings": [],
        "fixes": [],
    }
