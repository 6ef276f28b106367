"""Storage fixtures: a local S3-compatible server (moto) on a loopback port, both backends."""

from __future__ import annotations

import secrets
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app import create_app
from app.services.storage.local import LocalStorage
from app.services.storage.s3 import S3Storage
from tests.conftest import app_config, login

BUCKET = "kezek-media-test"
# Distinctive credentials, so a test can look for them in logs and pages.
ACCESS_KEY_ID = "AKIAKEZEKTEST" + "7Q2X9Z"
SECRET_ACCESS_KEY = "kezek-s3-secret-" + "Zq8Vt3Lm0Pw6Rb1Nc4Hd"


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """An S3-compatible server in this process, with the test bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    raw_client(url).create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def raw_client(endpoint: str):
    """A plain boto3 client, to look at the bucket behind Kezek's back."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name="us-east-1",
    )


@pytest.fixture
def s3(s3_endpoint):
    return raw_client(s3_endpoint)


@pytest.fixture
def s3_prefix() -> str:
    """Each test gets its own folder of the bucket."""
    return f"t-{secrets.token_hex(6)}/"


def s3_settings(endpoint: str, prefix: str, mode: str = "proxy") -> dict:
    return {
        "MEDIA_STORAGE": "s3",
        "S3_ENDPOINT_URL": endpoint,
        "S3_BUCKET": BUCKET,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "S3_PREFIX": prefix,
        "S3_PUBLIC_URL_MODE": mode,
    }


def make_s3_storage(endpoint: str, prefix: str, mode: str = "proxy") -> S3Storage:
    return S3Storage(
        bucket=BUCKET,
        prefix=prefix,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
        public_url_mode=mode,
    )


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Each contract test runs on both backends."""
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    endpoint = request.getfixturevalue("s3_endpoint")
    return make_s3_storage(endpoint, request.getfixturevalue("s3_prefix"))


@pytest.fixture
def media_dir(tmp_path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def app(engine, database_url, request, media_dir, s3_endpoint, s3_prefix):
    """The app with MEDIA_STORAGE=s3 on the test server (mode by @pytest.mark.settings)."""
    marker = request.node.get_closest_marker("settings")
    extra = {
        "MEDIA_DIR": str(media_dir),
        **s3_settings(s3_endpoint, s3_prefix),
        **(marker.kwargs if marker else {}),
    }
    return create_app({**app_config(database_url, **extra), "ENGINE": engine})


@pytest.fixture
def editor(client, make_user):
    """A signed-in owner of her own workspace."""
    user = make_user("alice")
    assert login(client, "alice").status_code == 302
    client.user = user
    return client


def bucket_keys(s3, prefix: str) -> list[str]:
    """Every object of the test's folder, without the folder."""
    resp = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"][len(prefix) :] for o in resp.get("Contents", ()))
