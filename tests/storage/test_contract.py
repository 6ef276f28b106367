"""The storage contract: LocalStorage and S3Storage (on a local S3 server) behave alike."""

from __future__ import annotations

import io
import os

import pytest
import requests

from app.services.storage import check_key, content_type_for
from app.services.storage.local import LocalStorage
from tests.storage.conftest import BUCKET, make_s3_storage

KEY = "ab/" + "ab" * 16 + ".jpg"
DATA = bytes(range(256)) * 40  # 10 240 bytes


def put(store, tmp_path, key=KEY, data=DATA):
    src = tmp_path / f"src-{os.urandom(4).hex()}"
    src.write_bytes(data)
    store.put_file(key, src)
    return src


def read(store, key=KEY, *args) -> bytes:
    with store.open(key, *args) as f:
        return f.read()


def test_a_file_put_reads_back_with_its_size(store, tmp_path):
    assert not store.exists(KEY) and store.stat(KEY) is None and store.size(KEY) is None
    src = put(store, tmp_path)
    assert src.exists(), "put_file without move keeps the source"
    assert store.exists(KEY) and store.size(KEY) == len(DATA)
    info = store.stat(KEY)
    assert (info.key, info.size) == (KEY, len(DATA)) and info.modified > 0
    assert read(store) == DATA


def test_move_consumes_the_source_and_replacing_overwrites(store, tmp_path):
    put(store, tmp_path)
    src = tmp_path / "new"
    src.write_bytes(b"second version")
    store.put_file(KEY, src, move=True)
    assert not src.exists()
    assert read(store) == b"second version" and store.size(KEY) == 14


def test_a_stream_is_stored(store):
    store.put_stream("cd/streamed.mp4", io.BytesIO(DATA))
    assert read(store, "cd/streamed.mp4") == DATA


def test_ranges_of_a_file(store, tmp_path):
    put(store, tmp_path)
    assert read(store, KEY, 0, 100) == DATA[:100]
    assert read(store, KEY, 5000, 17) == DATA[5000:5017]
    assert read(store, KEY, len(DATA) - 10) == DATA[-10:]
    assert read(store, KEY, 100, 0) == b""
    with store.open(KEY, 10, 1000) as f:  # read in pieces, never past the range
        parts = [f.read(300) for _ in range(5)]
    assert b"".join(parts) == DATA[10:1010] and parts[-1] == b""


def test_missing_files(store, tmp_path):
    with pytest.raises(FileNotFoundError):
        store.open(KEY)
    with pytest.raises(FileNotFoundError):
        store.download(KEY, tmp_path / "out")
    assert store.delete(KEY) is False


def test_delete_removes_the_file(store, tmp_path):
    put(store, tmp_path)
    assert store.delete(KEY) is True
    assert not store.exists(KEY) and store.delete(KEY) is False
    assert [o.key for o in store.iter_objects()] == []


def test_listing_gives_every_key_and_nothing_else(store, tmp_path):
    keys = {KEY, "cd/" + "cd" * 16 + ".mp4", "ef/" + "ef" * 16 + ".src"}
    for key in keys:
        put(store, tmp_path, key, key.encode())
    listed = {o.key: o for o in store.iter_objects()}
    assert set(listed) == keys
    assert all(listed[k].size == len(k) for k in keys)


def test_download_makes_a_local_copy(store, tmp_path):
    put(store, tmp_path)
    dest = tmp_path / "copy.jpg"
    store.download(KEY, dest)
    assert dest.read_bytes() == DATA


@pytest.mark.parametrize("bad", ["", "../x.jpg", "/etc/passwd", "ab/../../x", "ab//x", "a b"])
def test_keys_outside_the_store_are_refused(store, tmp_path, bad):
    src = tmp_path / "x"
    src.write_bytes(b"x")
    for call in (
        lambda: store.put_file(bad, src),
        lambda: store.open(bad),
        lambda: store.stat(bad),
        lambda: store.delete(bad),
    ):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(ValueError):
        check_key(bad)


def test_where_the_file_is(store, tmp_path):
    put(store, tmp_path)
    if isinstance(store, LocalStorage):
        assert store.local_path(KEY) == tmp_path / "media" / KEY
        assert store.local_path(KEY).read_bytes() == DATA
    else:
        assert store.local_path(KEY) is None
    assert store.public_url(KEY, content_type="image/jpeg") is None  # served through Kezek


def test_local_listing_leaves_out_scratch_and_exports(tmp_path):
    store = LocalStorage(tmp_path)
    for rel in ("tmp/abc.part", "exports/x.zip", KEY):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"1")
    assert [o.key for o in store.iter_objects()] == [KEY]


def test_s3_objects_carry_the_content_type_and_prefix(s3_endpoint, s3, s3_prefix, tmp_path):
    store = make_s3_storage(s3_endpoint, s3_prefix.rstrip("/"))
    put(store, tmp_path)
    head = s3.head_object(Bucket=BUCKET, Key=s3_prefix + KEY)
    assert head["ContentType"] == "image/jpeg" == content_type_for(KEY)
    other = make_s3_storage(s3_endpoint, s3_prefix + "other/")
    assert not other.exists(KEY) and list(other.iter_objects()) == []
    assert [o.key for o in store.iter_objects()] == [KEY]


def test_s3_large_files_go_up_in_parts(s3_endpoint, s3_prefix, tmp_path):
    store = make_s3_storage(s3_endpoint, s3_prefix)
    data = os.urandom(9 * 1024 * 1024)  # above the multipart threshold (8 MiB)
    put(store, tmp_path, "cd/big.mp4", data)
    assert store.size("cd/big.mp4") == len(data)
    assert store.stat("cd/big.mp4").etag.endswith("-2")  # two parts
    assert read(store, "cd/big.mp4", 8 * 1024 * 1024 - 5, 10) == data[8 * 1024 * 1024 - 5 :][:10]


def test_s3_presigned_urls_are_short_lived_and_serve_ranges(s3_endpoint, s3_prefix, tmp_path):
    store = make_s3_storage(s3_endpoint, s3_prefix, mode="presigned")
    put(store, tmp_path)
    url = store.public_url(KEY, content_type="image/jpeg")
    assert url.startswith(s3_endpoint) and "X-Amz-Expires=900" in url
    resp = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert resp.status_code == 206 and resp.content == DATA[10:20]
    assert resp.headers["Content-Type"] == "image/jpeg"
