"""Failure counters that lock a key for a while: sign-ins per login id, PIN pads.

``row_type`` is a table with ``failures`` and ``locked_until`` columns; ``key`` names
its primary key columns and values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def _where(row_type: Any, key: dict[str, Any]) -> Any:
    return and_(*(getattr(row_type, column) == value for column, value in key.items()))


async def locked_until(
    session: AsyncSession, row_type: Any, key: dict[str, Any]
) -> datetime | None:
    return await session.scalar(select(row_type.locked_until).where(_where(row_type, key)))


async def count_failure(
    session: AsyncSession,
    row_type: Any,
    key: dict[str, Any],
    *,
    now: datetime,
    max_failures: int,
    lock: timedelta,
) -> None:
    """Count a failure atomically; the ``max_failures``-th one locks the key for ``lock``."""
    statement = (
        insert(row_type)
        .values(**key, failures=1)
        .on_conflict_do_update(index_elements=list(key), set_={"failures": row_type.failures + 1})
        .returning(row_type.failures)
    )
    count = await session.scalar(statement)
    if count is not None and count >= max_failures:
        await session.execute(
            update(row_type)
            .where(_where(row_type, key))
            .values(failures=0, locked_until=now + lock)
        )


async def clear(session: AsyncSession, row_type: Any, key: dict[str, Any]) -> None:
    await session.execute(
        update(row_type).where(_where(row_type, key)).values(failures=0, locked_until=None)
    )
