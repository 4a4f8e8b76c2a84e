"""Claiming an idempotency key inside the request's unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.idempotency import KeyUse
from persistence import driver
from persistence.driver import Statement
from persistence.models import IdempotencyKeyRow

# Built once and run on the driver path: every stamp with a key claims it, and
# building the ORM statement anew cost more than running it.
_CLAIM = Statement.fixed(
    "idempotency.claim",
    insert(IdempotencyKeyRow)
    .values(
        account_id=bindparam("account_id"),
        key=bindparam("key"),
        fingerprint=bindparam("fingerprint"),
        created_at=bindparam("now"),
    )
    .on_conflict_do_nothing(index_elements=["account_id", "key"])
    .returning(IdempotencyKeyRow.key),
)
_EARLIER = Statement.fixed(
    "idempotency.earlier",
    select(IdempotencyKeyRow.fingerprint).where(
        IdempotencyKeyRow.account_id == bindparam("account_id"),
        IdempotencyKeyRow.key == bindparam("key"),
    ),
)


async def claim(
    session: AsyncSession, account_id: uuid.UUID, key: str, fingerprint: str, *, now: datetime
) -> KeyUse:
    """Record the key with the request's fingerprint, or say how it was used before.

    Commits or rolls back with the request: a request that failed leaves the key free.
    A concurrent first use blocks on the primary key until that request ends.
    """
    values = {"account_id": account_id, "key": key, "fingerprint": fingerprint, "now": now}
    if await driver.fetch(session, _CLAIM, values):
        return KeyUse.FIRST
    earlier = await driver.fetch(session, _EARLIER, {"account_id": account_id, "key": key})
    return KeyUse.RETRY if earlier and earlier[0].fingerprint == fingerprint else KeyUse.CONFLICT
