"""Videos: probed with PyAV, checked against the Reels/Stories spec, transcoded if needed."""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av

from app.services.media_store import MediaError

log = logging.getLogger("kezek.media")

MiB = 1024 * 1024
REEL_MAX_BYTES = 300 * MiB
MAX_WIDTH = 1920
FPS_MIN, FPS_MAX, FPS_DEFAULT = 23, 60, 30
MAX_BITRATE = 25_000_000
MIN_SECONDS, REEL_MAX_SECONDS, STORY_MAX_SECONDS = 3, 15 * 60, 60
ISO_FORMATS = ("mov", "mp4")
MOOV_READ_LIMIT = 64 * MiB


def _boxes(path: Path) -> list[tuple[bytes, int, int]]:
    """Top-level ISO-BMFF boxes (type, offset, size); MediaError when the file is cut short."""
    boxes = []
    total = path.stat().st_size
    with open(path, "rb") as f:
        offset = 0
        while offset < total:
            f.seek(offset)
            header = f.read(8)
            if len(header) < 8:
                raise MediaError("video_truncated")
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = total - offset
            if size < 8 or offset + size > total:
                raise MediaError("video_truncated")
            boxes.append((kind, offset, size))
            offset += size
    return boxes


def _edit_list_entries(path: Path, moov: tuple[bytes, int, int] | None) -> int:
    """The largest entry count of any edit list in the moov box (0 when none)."""
    if moov is None or moov[2] > MOOV_READ_LIMIT:
        return 0
    with open(path, "rb") as f:
        f.seek(moov[1])
        data = f.read(moov[2])
    most, start = 0, 0
    while (i := data.find(b"elst", start)) != -1:
        if i + 12 <= len(data):
            most = max(most, struct.unpack(">I", data[i + 8 : i + 12])[0])
        start = i + 4
    return most


def probe(path: Path) -> dict:
    """Duration, codecs, resolution, frame rate, moov position; MediaError if unreadable."""
    info: dict = {"moov_first": None, "edit_list_entries": 0}
    try:
        with av.open(str(path)) as container:
            fmt = container.format.name
            if not container.streams.video:
                raise MediaError("video_no_picture")
            v = container.streams.video[0]
            cc = v.codec_context
            if cc is None:
                raise MediaError("video_unreadable")
            rate = v.average_rate or v.guessed_rate or v.base_rate
            duration = container.duration / 1_000_000 if container.duration else None
            if duration is None and v.duration and v.time_base:
                duration = float(v.duration * v.time_base)
            info.update(
                container=fmt,
                duration=round(duration, 3) if duration else None,
                video_codec=cc.name,
                pixel_format=cc.format.name if cc.format else None,
                width=cc.width,
                height=cc.height,
                fps=round(float(rate), 3) if rate else None,
                bit_rate=container.bit_rate or None,
                rotation=0,
            )
            a = container.streams.audio[0] if container.streams.audio else None
            info.update(
                audio_codec=a.codec_context.name if a else None,
                sample_rate=a.codec_context.sample_rate if a else None,
                channels=a.codec_context.channels if a else None,
            )
            for frame in container.decode(v):  # the first picture must really decode
                info["rotation"] = int(getattr(frame, "rotation", 0) or 0)
                break
            else:
                raise MediaError("video_unreadable")
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - FFmpeg/PyAV fail in many ways on bad input
        raise MediaError("video_unreadable") from exc
    if not info["width"] or not info["height"]:
        raise MediaError("video_unreadable")
    if any(name in fmt.split(",") for name in ISO_FORMATS):
        boxes = _boxes(path)
        kinds = [b[0] for b in boxes]
        if b"moov" not in kinds:
            raise MediaError("video_truncated")
        info["moov_first"] = b"mdat" not in kinds or kinds.index(b"moov") < kinds.index(b"mdat")
        moov = next(b for b in boxes if b[0] == b"moov")
        info["edit_list_entries"] = _edit_list_entries(path, moov)
    return info


def transcode_reasons(info: dict, size: int) -> list[str]:
    """What breaks the Reels/Stories spec and a transcode to H.264/AAC MP4 fixes."""
    reasons = []
    if info["moov_first"] is None:
        reasons.append("container")
    if info["video_codec"] not in ("h264", "hevc"):
        reasons.append("video_codec")
    if info["pixel_format"] not in ("yuv420p", "yuvj420p"):
        reasons.append("pixel_format")
    if not info["fps"] or not FPS_MIN <= info["fps"] <= FPS_MAX:
        reasons.append("frame_rate")
    if info["width"] > MAX_WIDTH:
        reasons.append("resolution")
    if info["audio_codec"] and (
        info["audio_codec"] != "aac"
        or (info["sample_rate"] or 0) > 48_000
        or (info["channels"] or 0) > 2
    ):
        reasons.append("audio")
    if (info["bit_rate"] or 0) > MAX_BITRATE:
        reasons.append("bitrate")
    if info["moov_first"] is False:
        reasons.append("moov_at_end")
    if info["edit_list_entries"] > 1:
        reasons.append("edit_list")
    if info["rotation"]:
        reasons.append("rotation")
    if size > REEL_MAX_BYTES:
        reasons.append("file_size")
    return reasons


def video_warnings(info: dict) -> list[dict]:
    """What no conversion fixes: the duration limits of Reels and Stories."""
    d = info.get("duration") or 0
    out = []
    if d < MIN_SECONDS:
        out.append({"code": "video_too_short", "params": {"seconds": MIN_SECONDS}})
    if d > REEL_MAX_SECONDS:
        out.append({"code": "video_too_long", "params": {"minutes": REEL_MAX_SECONDS // 60}})
    elif d > STORY_MAX_SECONDS:
        out.append({"code": "story_too_long", "params": {"seconds": STORY_MAX_SECONDS}})
    return out


def _target_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    if rotation % 180:
        width, height = height, width
    if width > MAX_WIDTH:
        height = round(height * MAX_WIDTH / width)
        width = MAX_WIDTH
    return width - width % 2, height - height % 2


def _video_graph(stream, info: dict, fps: int):
    graph = av.filter.Graph()
    nodes = [graph.add_buffer(template=stream)]
    rotation = info["rotation"] % 360
    if rotation == 90:
        nodes.append(graph.add("transpose", "cclock"))
    elif rotation == 270:
        nodes.append(graph.add("transpose", "clock"))
    elif rotation == 180:
        nodes += [graph.add("hflip"), graph.add("vflip")]
    width, height = _target_size(info["width"], info["height"], rotation)
    nodes += [
        graph.add("fps", f"fps={fps}"),
        graph.add("scale", f"{width}:{height}"),
        graph.add("format", "yuv420p"),
        graph.add("buffersink"),
    ]
    for a, b in zip(nodes, nodes[1:], strict=False):
        a.link_to(b)
    graph.configure()
    return graph, width, height


def transcode(src: Path, dest: Path, info: dict, on_progress: Callable[[int], None]) -> None:
    """Re-encode to H.264 (yuv420p, 23-60 fps, <=1920 wide) + AAC, MP4 with moov first."""
    fps = round(info["fps"]) if info["fps"] and FPS_MIN <= info["fps"] <= FPS_MAX else FPS_DEFAULT
    duration = info.get("duration") or 0
    last_report = 0.0
    options = {"movflags": "+faststart", "use_editlist": "0"}
    with av.open(str(src)) as inp, av.open(str(dest), "w", format="mp4", options=options) as out:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        ain = inp.streams.audio[0] if inp.streams.audio else None
        graph, width, height = _video_graph(vin, info, fps)
        vout = out.add_stream("libx264", rate=fps)
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.codec_context.options = {
            "preset": "veryfast",
            "crf": "23",
            "maxrate": "20M",
            "bufsize": "40M",
            "g": str(fps * 2),
            "profile": "high",
        }
        aout = resampler = None
        if ain is not None:
            aout = out.add_stream("aac", rate=44_100, layout="stereo")
            aout.bit_rate = 128_000
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=44_100)
        streams = [s for s in (vin, ain) if s is not None]
        frame_no = 0
        for packet in inp.demux(*streams):
            for frame in packet.decode():
                if packet.stream is vin:
                    graph.push(frame)
                    frame_no = _drain_video(graph, vout, out, frame_no)
                    t = float(frame.time or 0)
                    now = time.monotonic()
                    if duration and now - last_report >= 1:
                        last_report = now
                        on_progress(min(99, int(100 * t / duration)))
                else:
                    for rf in resampler.resample(frame):
                        out.mux(aout.encode(rf))
        graph.push(None)
        _drain_video(graph, vout, out, frame_no)
        out.mux(vout.encode(None))
        if aout is not None:
            for rf in resampler.resample(None):
                out.mux(aout.encode(rf))
            out.mux(aout.encode(None))
    on_progress(100)


def _drain_video(graph, vout, out, frame_no: int) -> int:
    while True:
        try:
            filtered = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return frame_no
        filtered.pts = frame_no
        filtered.time_base = Fraction(1, vout.average_rate or 30)
        frame_no += 1
        out.mux(vout.encode(filtered))
