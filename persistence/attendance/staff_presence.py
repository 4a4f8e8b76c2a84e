"""Staff clocking in and out of classrooms."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, bindparam, false, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.roles import Actor
from persistence import driver
from persistence.driver import Statement
from persistence.models import ClassroomRow, StaffPresenceRow
from persistence.repositories.batch import many_per_key, one_per_key
from persistence.scope import classroom_scope


async def open_presence_of(session: AsyncSession, account_id: uuid.UUID) -> StaffPresenceRow | None:
    query = (
        select(StaffPresenceRow)
        .where(StaffPresenceRow.account_id == account_id, StaffPresenceRow.clocked_out_at.is_(None))
        .with_for_update()
    )
    return await session.scalar(query)


async def close_presence(session: AsyncSession, presence_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(StaffPresenceRow).where(StaffPresenceRow.id == presence_id).values(clocked_out_at=at)
    )


_STAFF_PRESENT = Statement.fixed(
    "staff_present_count",
    select(func.count()).where(
        StaffPresenceRow.classroom_id == bindparam("classroom_id"),
        StaffPresenceRow.day == bindparam("day"),
        StaffPresenceRow.clocked_out_at.is_(None),
    ),
)


async def staff_present_count(session: AsyncSession, classroom_id: uuid.UUID, day: date) -> int:
    """Staff clocked in to the class now (a hot statement of stamps: the driver path)."""
    values = {"classroom_id": classroom_id, "day": day}
    rows = await driver.fetch(session, _STAFF_PRESENT, values)
    return int(rows[0][0] or 0)


def _presence_scope(actor: Actor) -> ColumnElement[bool]:
    if not actor.is_staff:
        return false()
    reachable = select(ClassroomRow.id).where(classroom_scope(actor))
    return StaffPresenceRow.classroom_id.in_(reachable)


async def presences_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[StaffPresenceRow | None]:
    query = select(StaffPresenceRow).where(StaffPresenceRow.id.in_(ids), _presence_scope(actor))
    return one_per_key(ids, await session.scalars(query), lambda r: r.id)


async def presences_by_classroom_days(
    session: AsyncSession, actor: Actor, keys: Sequence[tuple[uuid.UUID, date]]
) -> list[list[StaffPresenceRow]]:
    """Who is clocked in to each (classroom, day) now, earliest first."""
    query = (
        select(StaffPresenceRow)
        .where(
            StaffPresenceRow.classroom_id.in_({c for c, _ in keys}),
            StaffPresenceRow.day.in_({d for _, d in keys}),
            StaffPresenceRow.clocked_out_at.is_(None),
            _presence_scope(actor),
        )
        .order_by(StaffPresenceRow.clocked_in_at)
    )
    rows = await session.scalars(query)
    return many_per_key(keys, rows, lambda r: (r.classroom_id, r.day))
