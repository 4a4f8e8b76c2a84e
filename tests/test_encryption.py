"""Special-care items are ciphertext at rest, under a key id that lets keys rotate."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from cryptography.exceptions import InvalidTag
from sqlalchemy import text

from persistence.crypto import KeyRing, keyring
from resolvers.services import Services
from tests.factories import World, build_world

# (table, column, key column, what tests/factories.py stored there)
SPECIAL_CARE_COLUMNS = [
    ("child", "health_status", "id", "良好"),
    ("child", "allergies", "id", "加熱卵も不可"),
    ("guardian", "family_situation", "id", "ひとり親家庭"),
    ("household_member", "details", "child_id", "山田 一郎"),
    ("guardianship", "pickup_restriction_reason", "child_id", "接近禁止命令"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(services: Services) -> AsyncIterator[World]:
    yield await build_world(services.sessions)


def _record_id(world: World, table: str) -> uuid.UUID:
    family = world.family
    return family.guardian.id if table == "guardian" else family.child.id


@pytest.mark.parametrize(
    ("table", "column", "key", "plaintext"),
    SPECIAL_CARE_COLUMNS,
    ids=[f"{t}.{c}" for t, c, _, _ in SPECIAL_CARE_COLUMNS],
)
async def test_raw_column_holds_no_plaintext(
    services: Services, world: World, table: str, column: str, key: str, plaintext: str
) -> None:
    statement = text(f"SELECT {column} FROM {table} WHERE {key} = :id AND {column} IS NOT NULL")
    async with services.engine.connect() as connection:
        blobs = [
            bytes(b) for b in await connection.scalars(statement, {"id": _record_id(world, table)})
        ]
    assert blobs, "the factory stored a value here"
    active = keyring().active_kid.encode()
    for blob in blobs:
        assert plaintext.encode() not in blob
        assert blob[0] in (1, 2) and blob[2 : 2 + blob[1]] == active, "format, then key id"
    # The application, holding the key, reads the value back.
    assert any(plaintext in keyring().decrypt(blob).decode() for blob in blobs)


def _key_spec(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


def test_values_under_an_old_key_still_decrypt_after_rotation() -> None:
    k1 = _key_spec("k1")
    old = KeyRing(k1).encrypt("アレルギー: 卵".encode())
    rotated = KeyRing(f"{_key_spec('k2')},{k1}")
    assert rotated.decrypt(old) == "アレルギー: 卵".encode()
    assert KeyRing.key_id_of(old) == "k1"
    assert KeyRing.key_id_of(rotated.encrypt(b"new value")) == "k2"


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_tampered_ciphertext_fails(where: str) -> None:
    ring = KeyRing(_key_spec("k1"))
    blob = bytearray(ring.encrypt("健康状態: 良好".encode()))
    header = 2 + blob[1]
    position = {"nonce": header, "ciphertext": header + 12, "tag": len(blob) - 1}[where]
    blob[position] ^= 0x01
    with pytest.raises(InvalidTag):
        ring.decrypt(bytes(blob))


def test_a_value_cannot_be_decrypted_without_its_key() -> None:
    blob = KeyRing(_key_spec("k1")).encrypt(b"secret")
    with pytest.raises(InvalidTag):
        KeyRing(_key_spec("k1")).decrypt(blob)  # same key id, different key
