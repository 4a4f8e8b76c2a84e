"""Alerts raised to a class and the director: idempotent inserts, scoped reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, time
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.attendance import EXCUSING_KINDS
from domain.roles import Actor, Role
from persistence.attendance.notices import is_current
from persistence.models import (
    AttendanceAlertRow,
    AttendanceNoticeRow,
    AttendanceStampRow,
    ChildRow,
    FacilityRow,
)
from persistence.repositories.batch import one_per_key

_FACILITY_STAFF = (Role.DIRECTOR, Role.NURSE, Role.CLERK)
_correction = aliased(AttendanceStampRow)


def alert_scope(actor: Actor) -> ColumnElement[bool]:
    """Staff only: teachers see their classes' alerts, other staff their facility's."""
    if actor.role is Role.WARD_ADMIN:
        return true()
    if actor.role in _FACILITY_STAFF:
        return AttendanceAlertRow.facility_id == actor.facility_id
    if actor.role is Role.TEACHER:
        return AttendanceAlertRow.classroom_id.in_(actor.classroom_ids)
    return false()


async def insert_alert(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """Raise an alert once per ``dedupe_key``: the new id, or None if already raised."""
    statement = (
        insert(AttendanceAlertRow)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(AttendanceAlertRow.id)
    )
    return await session.scalar(statement)


def _has_effective_stamp(day: date) -> ColumnElement[bool]:
    return exists().where(
        AttendanceStampRow.child_id == ChildRow.id,
        AttendanceStampRow.day == day,
        AttendanceStampRow.voided.is_(False),
        ~exists().where(_correction.corrects_id == AttendanceStampRow.id),
    )


def _has_excusing_notice(day: date) -> ColumnElement[bool]:
    return exists().where(
        and_(
            AttendanceNoticeRow.child_id == ChildRow.id,
            AttendanceNoticeRow.start_date <= day,
            AttendanceNoticeRow.end_date >= day,
            AttendanceNoticeRow.kind.in_([k.value for k in EXCUSING_KINDS]),
            is_current(),
        )
    )


async def arrival_cutoff_of(session: AsyncSession, facility_id: uuid.UUID) -> time | None:
    query = select(FacilityRow.arrival_cutoff).where(FacilityRow.id == facility_id)
    return await session.scalar(query)


async def arrival_cutoffs(session: AsyncSession) -> list[tuple[uuid.UUID, time]]:
    """(facility, arrival cutoff) of every facility."""
    rows = await session.execute(select(FacilityRow.id, FacilityRow.arrival_cutoff))
    return [(facility, cutoff) for facility, cutoff in rows]


async def children_missing(
    session: AsyncSession, facility_id: uuid.UUID, day: date
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(child, classroom) of every enrolled child with no stamp and no excusing notice:
    ``domain.attendance.is_missing_at_cutoff`` for a whole facility in one query (its
    effective stamps and ``EXCUSING_KINDS``), pinned equal to it by a test."""
    query = (
        select(ChildRow.id, ChildRow.classroom_id)
        .where(
            ChildRow.facility_id == facility_id,
            ChildRow.classroom_id.is_not(None),
            ~_has_effective_stamp(day),
            ~_has_excusing_notice(day),
        )
        .order_by(ChildRow.classroom_id, ChildRow.id)
    )
    rows = (await session.execute(query)).all()
    return [(child, classroom) for child, classroom in rows if classroom is not None]


async def alerts_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[AttendanceAlertRow | None]:
    query = select(AttendanceAlertRow).where(AttendanceAlertRow.id.in_(ids), alert_scope(actor))
    return one_per_key(ids, await session.scalars(query), lambda r: r.id)


async def alerts_of_facility_day(
    session: AsyncSession, actor: Actor, facility_id: uuid.UUID, day: date
) -> list[AttendanceAlertRow]:
    query = (
        select(AttendanceAlertRow)
        .where(
            AttendanceAlertRow.facility_id == facility_id,
            AttendanceAlertRow.day == day,
            alert_scope(actor),
        )
        .order_by(AttendanceAlertRow.at, AttendanceAlertRow.id)
    )
    return list(await session.scalars(query))
