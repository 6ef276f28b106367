"""MEDIA_STORAGE and the S3 settings: validated at start-up and by deploy/check-env."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from app.services.storage import get_storage
from app.services.storage.local import LocalStorage
from app.services.storage.s3 import S3Storage
from tests.conftest import TEST_KEY
from tests.deploy.test_check_env import check, env_file, problems
from tests.storage.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, s3_settings

BASE = {"SECRET_KEY": "t" * 40, "TOKEN_ENCRYPTION_KEYS": TEST_KEY, "MEDIA_DIR": "/srv/media"}


def settings(**env):
    return load_settings({**BASE, **env})


def test_local_is_the_default(tmp_path):
    s = settings(MEDIA_DIR=str(tmp_path))
    assert s.MEDIA_STORAGE == "local"
    store = get_storage(s)
    assert isinstance(store, LocalStorage) and store.root == tmp_path


def test_s3_storage_is_built_once_and_hides_its_keys():
    s = settings(**s3_settings("http://127.0.0.1:9", "media/"))
    store = get_storage(s)
    assert isinstance(store, S3Storage) and get_storage(s) is store
    assert store.prefix == "media/" and store.bucket == "kezek-media-test"
    assert SECRET_ACCESS_KEY not in repr(store) and ACCESS_KEY_ID not in repr(store)


@pytest.mark.parametrize(
    "change, variable",
    [
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE"),
        ({"S3_BUCKET": ""}, "S3_BUCKET"),
        ({"S3_BUCKET": "change-me"}, "S3_BUCKET"),
        ({"S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL"),
        ({"S3_ACCESS_KEY_ID": ""}, "S3_SECRET_ACCESS_KEY"),
        ({"S3_SECRET_ACCESS_KEY": "change-me"}, "S3_SECRET_ACCESS_KEY"),
        ({"S3_PUBLIC_URL_MODE": "public"}, "S3_PUBLIC_URL_MODE"),
        ({"S3_PRESIGN_SECONDS": "5"}, "S3_PRESIGN_SECONDS"),
    ],
)
def test_bad_s3_settings_are_refused_without_quoting_secrets(change, variable):
    with pytest.raises(ConfigError) as err:
        settings(**{**s3_settings("http://127.0.0.1:9", ""), **change})
    assert err.value.variable == variable
    assert SECRET_ACCESS_KEY not in str(err.value) and ACCESS_KEY_ID not in str(err.value)


def test_no_keys_at_all_leaves_credentials_to_boto3():
    s = settings(**{**s3_settings("", ""), "S3_ACCESS_KEY_ID": "", "S3_SECRET_ACCESS_KEY": ""})
    assert s.MEDIA_STORAGE == "s3" and s.S3_PUBLIC_URL_MODE == "proxy"


def test_check_env_accepts_s3_and_names_a_placeholder_secret(tmp_path):
    s3 = {
        "MEDIA_STORAGE": "s3",
        "S3_ENDPOINT_URL": "https://storage.yandexcloud.net",
        "S3_BUCKET": "kezek-media",
        "S3_REGION": "ru-central1",
        "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "S3_PUBLIC_URL_MODE": "presigned",
    }
    good = check(env_file(tmp_path, **s3))
    assert good.returncode == 0, good.stderr
    bad = check(env_file(tmp_path, **{**s3, "S3_SECRET_ACCESS_KEY": "change-me"}))
    assert bad.returncode == 1
    assert problems(bad)["S3_SECRET_ACCESS_KEY"] == "is still a placeholder"
    for result in (good, bad):
        assert SECRET_ACCESS_KEY not in result.stdout + result.stderr
