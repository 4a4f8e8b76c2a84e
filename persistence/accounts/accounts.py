"""Accounts, sign-in throttling and refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.accounts import throttle
from persistence.models import AccountClassroomRow, AccountRow, LoginThrottleRow, RefreshTokenRow
from persistence.repositories.batch import one_per_key


async def account_by_login_id(session: AsyncSession, login_id: str) -> AccountRow | None:
    return await session.scalar(select(AccountRow).where(AccountRow.login_id == login_id))


async def account_by_id(session: AsyncSession, account_id: uuid.UUID) -> AccountRow | None:
    return await session.get(AccountRow, account_id)


async def classroom_ids_of(session: AsyncSession, account_id: uuid.UUID) -> frozenset[uuid.UUID]:
    rows = await session.scalars(
        select(AccountClassroomRow.classroom_id).where(AccountClassroomRow.account_id == account_id)
    )
    return frozenset(rows)


async def lock_state(session: AsyncSession, login_id: str) -> datetime | None:
    return await throttle.locked_until(session, LoginThrottleRow, {"login_id": login_id})


async def record_failure(
    session: AsyncSession, login_id: str, *, now: datetime, max_failures: int, lock: timedelta
) -> None:
    """Count a failure atomically; the ``max_failures``-th one locks the id for ``lock``."""
    await throttle.count_failure(
        session,
        LoginThrottleRow,
        {"login_id": login_id},
        now=now,
        max_failures=max_failures,
        lock=lock,
    )


async def clear_failures(session: AsyncSession, login_id: str) -> None:
    await throttle.clear(session, LoginThrottleRow, {"login_id": login_id})


async def token_by_hash(session: AsyncSession, token_hash: str) -> RefreshTokenRow | None:
    return await session.scalar(
        select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash).with_for_update()
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, *, now: datetime) -> None:
    await session.execute(
        update(RefreshTokenRow)
        .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def bump_generation(session: AsyncSession, account_id: uuid.UUID) -> int:
    generation = await session.scalar(
        update(AccountRow)
        .where(AccountRow.id == account_id)
        .values(token_generation=AccountRow.token_generation + 1)
        .returning(AccountRow.token_generation)
    )
    return int(generation or 0)


async def generation_of(session: AsyncSession, account_id: uuid.UUID) -> int | None:
    """The live token generation, or None when the account is gone or disabled."""
    row = (
        await session.execute(
            select(AccountRow.token_generation, AccountRow.disabled).where(
                AccountRow.id == account_id
            )
        )
    ).first()
    if row is None or row.disabled:
        return None
    return int(row.token_generation)


async def display_names_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[str | None]:
    """Display names of accounts (staff who acknowledged or corrected something)."""
    query = select(AccountRow.id, AccountRow.display_name).where(AccountRow.id.in_(ids))
    found = one_per_key(ids, (await session.execute(query)).all(), lambda r: r[0])
    return [r[1] if r is not None else None for r in found]
