"""Claiming an idempotency key inside the request's unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.idempotency import KeyUse
from persistence.models import IdempotencyKeyRow


async def claim(
    session: AsyncSession, account_id: uuid.UUID, key: str, fingerprint: str, *, now: datetime
) -> KeyUse:
    """Record the key with the request's fingerprint, or say how it was used before.

    Commits or rolls back with the request: a request that failed leaves the key free.
    A concurrent first use blocks on the primary key until that request ends.
    """
    inserted = await session.scalar(
        insert(IdempotencyKeyRow)
        .values(account_id=account_id, key=key, fingerprint=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["account_id", "key"])
        .returning(IdempotencyKeyRow.key)
    )
    if inserted is not None:
        return KeyUse.FIRST
    earlier = await session.scalar(
        select(IdempotencyKeyRow.fingerprint).where(
            IdempotencyKeyRow.account_id == account_id, IdempotencyKeyRow.key == key
        )
    )
    return KeyUse.RETRY if earlier == fingerprint else KeyUse.CONFLICT
