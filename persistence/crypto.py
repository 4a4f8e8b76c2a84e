"""Encryption at rest for special-care items (AES-256-GCM, key id beside each value).

Stored layout: ``format(1) | len(kid)(1) | kid | nonce(12) | ciphertext+tag``,
where the format byte says what the plaintext is (1 = JSON, 2 = UTF-8 text), so
a sealed value read as raw bytes can be opened later without knowing its column.
The key ring comes from ``HOIKU_DATA_KEY`` (``kid:base64key[,kid:key…]``): the
first key encrypts new values, every listed key can decrypt, so keys rotate by
prepending a new one and re-encrypting at leisure. The database never sees a key.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

JSON_FORMAT = 1
TEXT_FORMAT = 2
_FORMATS = (JSON_FORMAT, TEXT_FORMAT)


class KeyRing:
    def __init__(self, spec: str) -> None:
        self._keys: dict[str, AESGCM] = {}
        self.active_kid = ""
        for part in filter(None, (p.strip() for p in spec.split(","))):
            kid, _, b64 = part.partition(":")
            key = base64.b64decode(b64)
            if not kid or len(kid) > 32 or len(key) != 32:
                raise ValueError("HOIKU_DATA_KEY entries must be 'kid:base64(32 bytes)'")
            self._keys[kid] = AESGCM(key)
            self.active_kid = self.active_kid or kid
        if not self._keys:
            raise ValueError("HOIKU_DATA_KEY holds no key")

    def encrypt(self, plaintext: bytes, *, form: int = JSON_FORMAT) -> bytes:
        kid = self.active_kid.encode()
        nonce = os.urandom(12)
        sealed = self._keys[self.active_kid].encrypt(nonce, plaintext, None)
        return bytes([form, len(kid)]) + kid + nonce + sealed

    def decrypt(self, blob: bytes) -> bytes:
        if not blob or blob[0] not in _FORMATS:
            raise ValueError("unknown ciphertext format")
        kid_end = 2 + blob[1]
        kid = blob[2:kid_end].decode()
        nonce, sealed = blob[kid_end : kid_end + 12], blob[kid_end + 12 :]
        return self._keys[kid].decrypt(nonce, sealed, None)

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode()


_ring: KeyRing | None = None


def configure_keyring(spec: str) -> KeyRing:
    """Install the process-wide key ring; called once at start-up."""
    global _ring
    _ring = KeyRing(spec)
    return _ring


def keyring() -> KeyRing:
    if _ring is None:
        raise RuntimeError("encryption key ring not configured")
    return _ring


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON-serialisable value stored as AES-GCM ciphertext in a bytea column."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return keyring().encrypt(json.dumps(value, ensure_ascii=False).encode())

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(keyring().decrypt(bytes(value)))


class EncryptedText(TypeDecorator[str]):
    """A string stored as AES-GCM ciphertext: UTF-8, no JSON round trip on the hot path."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return keyring().encrypt(value.encode(), form=TEXT_FORMAT)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(bytes(value)).decode()


def open_sealed(value: Any) -> Any:
    """Decrypt a sealed value read as raw bytes; anything else passes through.

    Read paths select special-care columns undecrypted and open them only
    where the policy lets the viewer read them: a value nobody may see is
    never decrypted at all.
    """
    if not isinstance(value, bytes | memoryview):
        return value
    blob = bytes(value)
    plaintext = keyring().decrypt(blob)
    return plaintext.decode() if blob[0] == TEXT_FORMAT else json.loads(plaintext)


def is_sealed_column(column: Any) -> bool:
    return isinstance(column.type, EncryptedText | EncryptedJSON)
