"""Image uploads: every format identified by its bytes and converted to an sRGB JPEG."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms
from sqlalchemy import select

from app.models import MediaItem
from tests.conftest import csrf_from
from tests.media.conftest import files_on_disk, image_bytes, upload


def _stored(media_dir, session, item_id) -> Image.Image:
    item = session.get(MediaItem, item_id)
    return Image.open(media_dir / item.storage_key)


@pytest.mark.parametrize(
    ("fmt", "mode", "extra", "detected"),
    [
        ("JPEG", "RGB", {}, "JPEG"),
        ("PNG", "RGBA", {}, "PNG"),
        ("WEBP", "RGB", {"quality": 80}, "WEBP"),
        ("HEIF", "RGB", {}, "HEIF"),
    ],
)
def test_each_image_format_becomes_a_ready_srgb_jpeg(
    editor, session, media_dir, fmt, mode, extra, detected
):
    color = (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)
    data = image_bytes(fmt, size=(900, 900), mode=mode, color=color, **extra)
    resp = upload(editor, data, name=f"holiday.{fmt.lower()}")
    assert resp.status_code == 201, resp.json
    item = session.get(MediaItem, resp.json["id"])
    assert (item.kind, item.state, item.content_type) == ("image", "ready", "image/jpeg")
    assert item.validation["format"] == detected
    assert item.original_name == f"holiday.{fmt.lower()}"
    assert item.storage_key.endswith(".jpg") and "holiday" not in item.storage_key
    img = _stored(media_dir, session, item.id)
    assert img.format == "JPEG" and img.mode == "RGB" and img.size == (900, 900)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(img.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    if fmt != "JPEG":
        assert "converted_to_jpeg" in item.validation["actions"]
    if mode == "RGBA":
        assert "transparency_flattened" in item.validation["actions"]


def test_a_png_named_jpg_and_a_jpeg_named_txt_are_judged_by_their_bytes(editor, session):
    png = upload(editor, image_bytes("PNG"), name="really-a-png.jpg")
    jpeg = upload(editor, image_bytes("JPEG"), name="notes.txt")
    assert png.status_code == jpeg.status_code == 201
    assert session.get(MediaItem, png.json["id"]).validation["format"] == "PNG"
    assert session.get(MediaItem, jpeg.json["id"]).validation["format"] == "JPEG"


def test_large_images_are_scaled_to_1440_wide_and_exif_rotation_applied(editor, session, media_dir):
    img = Image.new("RGB", (3000, 2000), (1, 2, 3))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    resp = upload(editor, buf.getvalue())
    item = session.get(MediaItem, resp.json["id"])
    assert (item.width, item.height) == (1440, 2160)
    assert {"rotated", "resized", "metadata_removed"} <= set(item.validation["actions"])
    assert not _stored(media_dir, session, item.id).getexif().get(0x0112)


def test_cmyk_jpeg_is_converted_to_rgb(editor, session, media_dir):
    resp = upload(editor, image_bytes("JPEG", mode="CMYK", color=(0, 80, 80, 0)))
    assert resp.status_code == 201
    assert _stored(media_dir, session, resp.json["id"]).mode == "RGB"


@pytest.mark.parametrize(
    ("size", "ok"),
    [((1000, 1300), False), ((1000, 1250), True), ((1910, 1000), True), ((2000, 1000), False)],
)
def test_aspect_ratio_outside_the_feed_range_is_flagged(editor, session, size, ok):
    resp = upload(editor, image_bytes("JPEG", size=size))
    item = session.get(MediaItem, resp.json["id"])
    codes = [w["code"] for w in item.validation["warnings"]]
    assert ("aspect_outside_feed" not in codes) is ok
    assert item.validation["fixes"] == ([] if ok else ["crop", "pad"])


@pytest.mark.parametrize(("mode", "expected"), [("crop", (1000, 1250)), ("pad", (1040, 1300))])
def test_crop_or_pad_from_the_item_page_makes_a_new_ready_jpeg(
    editor, session, media_dir, mode, expected
):
    resp = upload(editor, image_bytes("JPEG", size=(1000, 1300)))
    original_id = resp.json["id"]
    page = editor.get(f"/media/{original_id}")
    assert b"outside the feed" in page.data and b'id="fix-crop"' in page.data
    resp = editor.post(
        f"/media/{original_id}/fix", data={"csrf_token": csrf_from(page.text), "mode": mode}
    )
    assert resp.status_code == 302
    new = session.scalars(select(MediaItem).order_by(MediaItem.id.desc())).first()
    assert new.id != original_id and resp.location.endswith(f"/media/{new.id}")
    assert (new.width, new.height) == expected and new.state == "ready"
    assert new.validation["fixes"] == [] and new.validation["fixed_from"] == original_id
    assert Image.open(media_dir / new.storage_key).size == expected
    assert session.get(MediaItem, original_id) is not None
    assert len([f for f in files_on_disk(media_dir) if f.endswith(".jpg")]) == 2


def test_viewers_cannot_upload(client, make_user, session):
    from app.models import Role
    from app.services.workspaces import add_member
    from tests.conftest import login

    owner = make_user("olga")
    viewer = make_user("vera")
    add_member(session, owner.memberships[0].workspace, viewer, Role.VIEWER)
    session.commit()
    login(client, "vera")
    ws = owner.memberships[0].workspace.id
    token = csrf_from(client.get("/media/").text)
    client.post(f"/workspaces/{ws}/switch", data={"csrf_token": token})
    assert b'id="upload-form"' not in client.get("/media/").data
    assert upload(client, image_bytes()).status_code == 403
