"""Media files in an S3-compatible bucket (AWS S3, MinIO, Yandex Object Storage, R2...).

Credentials come only from the environment (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, or
boto3's own chain when both are empty); they are never logged, and errors carry only S3's
error code. boto3's own debug logging (which prints signed request headers) is capped at
WARNING.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.services.storage import ObjectInfo, StorageError, check_key, content_type_for
from app.services.storage.local import SliceReader

log = logging.getLogger("kezek.media")

for _name in ("boto3", "botocore", "s3transfer"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

MISSING = {"404", "NoSuchKey", "NotFound"}
TRANSFER = TransferConfig(max_concurrency=4)
# One boto3 session (it caches the parsed service models); clients get their own keys.
_session: boto3.session.Session | None = None
_session_lock = threading.Lock()


def _client(**kwargs):
    global _session
    with _session_lock:  # creating clients from one session is not thread-safe
        if _session is None:
            _session = boto3.session.Session()
        return _session.client("s3", **kwargs)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING


def _failed(operation: str, exc: Exception) -> StorageError:
    if isinstance(exc, Boto3Error) and isinstance(exc.__context__, ClientError):
        exc = exc.__context__  # S3UploadFailedError wraps S3's answer
    code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
    reason = code or type(exc).__name__
    log.warning("S3 request failed", extra={"operation": operation, "code": reason})
    return StorageError(f"S3 {operation} failed ({reason})")


class S3Storage:
    """Files as objects `<prefix><key>` of one bucket."""

    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
        public_url_mode: str = "proxy",
        presign_seconds: int = 900,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.public_url_mode = public_url_mode
        self.presign_seconds = presign_seconds
        self.endpoint_url = endpoint_url or None
        self._client = _client(
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=region or "us-east-1",
            endpoint_url=self.endpoint_url,
            config=Config(
                signature_version="s3v4",
                # S3-compatible services are reached by path; AWS itself by virtual host.
                s3={"addressing_style": "path" if endpoint_url else "virtual"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                # Checksums only where S3 requires them: several compatible services refuse
                # the newer default ones.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    @staticmethod
    def config_from(settings) -> dict:
        """The constructor's arguments from Settings."""
        return {
            "bucket": settings.S3_BUCKET,
            "prefix": settings.S3_PREFIX,
            "endpoint_url": settings.S3_ENDPOINT_URL,
            "region": settings.S3_REGION,
            "access_key_id": settings.S3_ACCESS_KEY_ID,
            "secret_access_key": settings.S3_SECRET_ACCESS_KEY,
            "public_url_mode": settings.S3_PUBLIC_URL_MODE,
            "presign_seconds": settings.S3_PRESIGN_SECONDS,
        }

    def __repr__(self) -> str:  # never the credentials
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        try:
            self._client.upload_file(
                str(path),
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": content_type_for(key)},
                Config=TRANSFER,
            )
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            raise _failed("upload", exc) from None
        if move:
            Path(path).unlink(missing_ok=True)

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        try:
            self._client.upload_fileobj(
                stream,
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": content_type_for(key)},
                Config=TRANSFER,
            )
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            raise _failed("upload", exc) from None

    def open(self, key: str, start: int = 0, length: int | None = None) -> BinaryIO:
        if length == 0:
            return io.BytesIO(b"")
        args = {"Bucket": self.bucket, "Key": self._key(key)}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            args["Range"] = f"bytes={start}-{end}"
        try:
            resp = self._client.get_object(**args)
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise _failed("get", exc) from None
        except BotoCoreError as exc:
            raise _failed("get", exc) from None
        return SliceReader(resp["Body"], resp["ContentLength"])

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise _failed("head", exc) from None
        except BotoCoreError as exc:
            raise _failed("head", exc) from None
        return ObjectInfo(
            key=key,
            size=head["ContentLength"],
            modified=head["LastModified"].timestamp(),
            etag=(head.get("ETag") or "").strip('"') or None,
        )

    def size(self, key: str) -> int | None:
        info = self.stat(key)
        return None if info is None else info.size

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> bool:
        if not self.exists(key):
            return False
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise _failed("delete", exc) from None
        return True

    def iter_objects(self) -> Iterator[ObjectInfo]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        try:
            for page in pages:
                for obj in page.get("Contents", ()):
                    yield ObjectInfo(
                        key=obj["Key"][len(self.prefix) :],
                        size=obj["Size"],
                        modified=obj["LastModified"].timestamp(),
                        etag=(obj.get("ETag") or "").strip('"') or None,
                    )
        except (ClientError, BotoCoreError) as exc:
            raise _failed("list", exc) from None

    def download(self, key: str, dest: Path) -> None:
        try:
            self._client.download_file(self.bucket, self._key(key), str(dest), Config=TRANSFER)
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise _failed("download", exc) from None
        except (BotoCoreError, Boto3Error) as exc:
            raise _failed("download", exc) from None

    def local_path(self, key: str) -> Path | None:
        return None

    def public_url(self, key: str, *, content_type: str | None = None) -> str | None:
        """In presigned mode, a GET URL valid S3_PRESIGN_SECONDS; None in proxy mode."""
        if self.public_url_mode != "presigned":
            return None
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        return self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.presign_seconds
        )
