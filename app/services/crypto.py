"""AES-256-GCM encryption of access tokens under keys from TOKEN_ENCRYPTION_KEYS.

Stored form: `v1:<key id>:<base64url(12-byte nonce + ciphertext + tag)>`. The first key
encrypts, every key decrypts, and the row's own id is bound as associated data, so a
ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1"


class TokenCryptoError(Exception):
    """A stored token cannot be decrypted (unknown key, tampered, or wrong row)."""


def _aad(purpose: str, row_id: int | str) -> bytes:
    return f"kezek:{purpose}:{row_id}".encode()


def encrypt(keys: list[tuple[str, bytes]], plaintext: str, *, purpose: str, row_id) -> str:
    """Encrypt under the first (newest) key, binding purpose and row id."""
    key_id, key = keys[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), _aad(purpose, row_id))
    return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str:
    """The id of the key a stored value was encrypted with."""
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenCryptoError("not an encrypted token")
    return parts[1]


def decrypt(keys: list[tuple[str, bytes]], stored: str, *, purpose: str, row_id) -> str:
    """Decrypt a stored value with whichever configured key it names."""
    key_id = key_id_of(stored)
    key = dict(keys).get(key_id)
    if key is None:
        raise TokenCryptoError(f"key {key_id!r} is not in TOKEN_ENCRYPTION_KEYS")
    blob = base64.urlsafe_b64decode(stored.split(":", 2)[2])
    try:
        plain = AESGCM(key).decrypt(blob[:12], blob[12:], _aad(purpose, row_id))
    except InvalidTag:
        raise TokenCryptoError("token does not decrypt (tampered or moved)") from None
    return plain.decode()
