"""Media fixtures: an app with its own MEDIA_DIR, signed-in editors, files made at runtime."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image

from app import create_app
from tests.conftest import IG_APP_ID, IG_APP_SECRET, app_config, csrf_from, login


@pytest.fixture
def media_dir(tmp_path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def app(engine, database_url, request, media_dir):
    """The app of tests/conftest.py, with MEDIA_DIR in the test's temporary directory."""
    marker = request.node.get_closest_marker("settings")
    extra = {"MEDIA_DIR": str(media_dir), **(marker.kwargs if marker else {})}
    if "ig_stack" in request.fixturenames:
        extra = {"INSTAGRAM_APP_ID": IG_APP_ID, "INSTAGRAM_APP_SECRET": IG_APP_SECRET, **extra}
    return create_app({**app_config(database_url, **extra), "ENGINE": engine})


@pytest.fixture
def editor(client, make_user):
    """A signed-in owner of her own workspace (owners may do all editors may)."""
    user = make_user("alice")
    assert login(client, "alice").status_code == 302
    client.user = user
    return client


def files_on_disk(media_dir: Path) -> list[str]:
    """Every file under MEDIA_DIR (temporary ones included)."""
    if not media_dir.exists():
        return []
    return sorted(p.relative_to(media_dir).as_posix() for p in media_dir.rglob("*") if p.is_file())


def upload(client, data: bytes, name: str = "photo.jpg"):
    """Upload through the library's form (as the page's script does, with XHR)."""
    token = csrf_from(client.get("/media/").text)
    return client.post(
        "/media/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        headers={"X-Requested-With": "XMLHttpRequest"},
        content_type="multipart/form-data",
    )


def image_bytes(fmt: str = "JPEG", size=(800, 800), mode="RGB", color=(200, 80, 40), **kw):
    """An image made with Pillow in `fmt` (JPEG, PNG, WEBP, HEIF, GIF...)."""
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    img = Image.new(mode, size, color)
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def video_bytes(
    tmp_path: Path,
    *,
    codec: str = "libx264",
    fps: int = 25,
    seconds: float = 1,
    size=(320, 240),
    faststart: bool = True,
    audio: bool = True,
) -> bytes:
    """A tiny MP4 made with PyAV: a colour ramp and silent stereo AAC."""
    path = tmp_path / f"v-{codec}-{fps}-{faststart}.mp4"
    options = {"movflags": "+faststart"} if faststart else {}
    w, h = size
    with av.open(str(path), "w", format="mp4", options=options) as out:
        v = out.add_stream(codec, rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = out.add_stream("aac", rate=44100, layout="stereo") if audio else None
        for i in range(int(fps * seconds)):
            frame = av.VideoFrame.from_image(Image.new("RGB", (w, h), ((i * 8) % 255, 90, 160)))
            frame.pts = i
            out.mux(v.encode(frame))
        out.mux(v.encode(None))
        if a is not None:
            for i in range(int(44100 * seconds / 1024)):
                af = av.AudioFrame(format="s16", layout="stereo", samples=1024)
                for plane in af.planes:
                    plane.update(bytes(plane.buffer_size))
                af.sample_rate, af.pts = 44100, i * 1024
                out.mux(a.encode(af))
            out.mux(a.encode(None))
    return path.read_bytes()
