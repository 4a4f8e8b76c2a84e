"""Absence, late and early pick-up notices: current versions and scoped reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.attendance import NoticeKind, NoticeSpan
from domain.roles import Actor
from persistence.models import AttendanceNoticeRow, ChildRow
from persistence.repositories.batch import one_per_key
from persistence.scope import notice_scope

_successor = aliased(AttendanceNoticeRow)
MAX_LISTED = 200


def as_span(row: AttendanceNoticeRow) -> NoticeSpan:
    return NoticeSpan(NoticeKind(row.kind), row.start_date, row.end_date)


def is_current() -> ColumnElement[bool]:
    """Not superseded by a later notice."""
    return ~exists().where(_successor.supersedes_id == AttendanceNoticeRow.id)


def _supersedes(row: AttendanceNoticeRow) -> uuid.UUID:
    return row.supersedes_id  # type: ignore[return-value]  # filtered on non-null ids


async def notice_for_update(
    session: AsyncSession, actor: Actor, notice_id: uuid.UUID
) -> AttendanceNoticeRow | None:
    query = (
        select(AttendanceNoticeRow)
        .join(ChildRow, ChildRow.id == AttendanceNoticeRow.child_id)
        .where(AttendanceNoticeRow.id == notice_id, notice_scope(actor))
        .with_for_update(of=AttendanceNoticeRow)
    )
    return await session.scalar(query)


async def is_superseded(session: AsyncSession, notice_id: uuid.UUID) -> bool:
    query = select(exists().where(AttendanceNoticeRow.supersedes_id == notice_id))
    return bool(await session.scalar(query))


async def current_notices_between(
    session: AsyncSession, child_ids: Sequence[uuid.UUID], first: date, last: date
) -> Sequence[AttendanceNoticeRow]:
    """Current notices of these children overlapping [first, last]."""
    query = select(AttendanceNoticeRow).where(
        AttendanceNoticeRow.child_id.in_(child_ids),
        AttendanceNoticeRow.start_date <= last,
        AttendanceNoticeRow.end_date >= first,
        is_current(),
    )
    return (await session.scalars(query.order_by(AttendanceNoticeRow.sent_at))).all()


# Scoped batch reads for DataLoaders.


async def notices_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[AttendanceNoticeRow | None]:
    query = (
        select(AttendanceNoticeRow)
        .join(ChildRow, ChildRow.id == AttendanceNoticeRow.child_id)
        .where(AttendanceNoticeRow.id.in_(ids), notice_scope(actor))
    )
    return one_per_key(ids, await session.scalars(query), lambda r: r.id)


async def successors_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[AttendanceNoticeRow | None]:
    query = (
        select(AttendanceNoticeRow)
        .join(ChildRow, ChildRow.id == AttendanceNoticeRow.child_id)
        .where(AttendanceNoticeRow.supersedes_id.in_(ids), notice_scope(actor))
    )
    return one_per_key(ids, await session.scalars(query), _supersedes)


async def current_notices_by_child_days(
    session: AsyncSession, actor: Actor, keys: Sequence[tuple[uuid.UUID, date]]
) -> list[list[AttendanceNoticeRow]]:
    """Current notices covering each (child, day), oldest sent first."""
    days = {day for _, day in keys}
    query = (
        select(AttendanceNoticeRow)
        .join(ChildRow, ChildRow.id == AttendanceNoticeRow.child_id)
        .where(
            AttendanceNoticeRow.child_id.in_({child for child, _ in keys}),
            AttendanceNoticeRow.start_date <= max(days),
            AttendanceNoticeRow.end_date >= min(days),
            is_current(),
            notice_scope(actor),
        )
        .order_by(AttendanceNoticeRow.sent_at)
    )
    rows = list(await session.scalars(query))
    return [
        [r for r in rows if r.child_id == child and r.start_date <= day <= r.end_date]
        for child, day in keys
    ]


async def notices_of_child(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID, *, since: date, current_only: bool
) -> list[AttendanceNoticeRow]:
    """A child's notices ending on or after ``since``, newest first."""
    query = (
        select(AttendanceNoticeRow)
        .join(ChildRow, ChildRow.id == AttendanceNoticeRow.child_id)
        .where(
            AttendanceNoticeRow.child_id == child_id,
            AttendanceNoticeRow.end_date >= since,
            notice_scope(actor),
        )
    )
    if current_only:
        query = query.where(is_current())
    query = query.order_by(AttendanceNoticeRow.sent_at.desc()).limit(MAX_LISTED)
    return list(await session.scalars(query))
