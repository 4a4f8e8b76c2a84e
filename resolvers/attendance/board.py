"""A class's day in one query, and its month in figures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, TypeVar

from domain.attendance import (
    DayStatus,
    day_status,
    effective_stamps,
    first_arrival,
    last_pickup,
    local_day,
)
from domain.attendance_policy import can_read_board, can_read_monthly_figures
from domain.errors import Forbidden, NotFound
from domain.monthly import Month, MonthFigures, child_month, class_totals, parse_month
from domain.roles import Actor
from domain.staffing import Staffing
from persistence.attendance import notices, stamps
from persistence.attendance.staff_presence import staff_present_count
from persistence.db import Session
from persistence.models import (
    AttendanceNoticeRow,
    AttendanceStampRow,
    ChildRow,
    ClassroomRow,
)
from persistence.records import family
from resolvers.attendance.staffing import Room, load_room, present_children
from resolvers.services import Services


@dataclass
class BoardEntry:
    child: ChildRow
    status: DayStatus
    arrived_at: datetime | None
    left_at: datetime | None
    notices: list[AttendanceNoticeRow]
    stamps: list[AttendanceStampRow]


@dataclass
class StaffingNow:
    classroom_id: uuid.UUID
    day: date
    children_present: int
    staff_present: int
    staff_required: int
    short: bool

    @classmethod
    def of(cls, classroom_id: uuid.UUID, day: date, figures: Staffing) -> StaffingNow:
        return cls(
            classroom_id,
            day,
            figures.children_present,
            figures.staff_present,
            figures.staff_required,
            figures.short,
        )


@dataclass
class Board:
    classroom: ClassroomRow
    day: date
    entries: list[BoardEntry]
    staffing: StaffingNow


async def _classroom(session: Session, actor: Actor, classroom_id: uuid.UUID) -> ClassroomRow:
    (classroom,) = await family.classrooms_by_ids(session, actor, [classroom_id])
    if classroom is None:
        raise NotFound("No such classroom")
    return classroom  # type: ignore[no-any-return]  # a read row with ClassroomRow's columns


async def attendance_board(
    services: Services, actor: Actor, classroom_id: uuid.UUID, day: date
) -> Board:
    if not can_read_board(actor):
        raise Forbidden("The attendance board is for staff")
    now = services.clock()
    async with services.sessions() as session:
        classroom = await _classroom(session, actor, classroom_id)
        (children,) = await family.children_by_classroom_ids(session, actor, [classroom.id])
        day_stamps = await stamps.stamps_of_classroom_day(session, classroom.id, day)
        day_notices = await notices.current_notices_between(
            session, [c.id for c in children], day, day
        )
        room = await load_room(session, classroom.id)
        staff = await staff_present_count(session, classroom.id, day)
    by_child_stamps = _by_child(day_stamps)
    by_child_notices = _by_child(day_notices)
    entries = [
        _entry(c, by_child_stamps[c.id], by_child_notices[c.id], day=day, now=now, room=room)
        for c in children
    ]
    figures = room.staffing(present_children(day_stamps), staff)
    return Board(classroom, day, entries, StaffingNow.of(classroom.id, day, figures))


class _OfChild(Protocol):
    child_id: uuid.UUID


R = TypeVar("R", bound=_OfChild)


def _by_child(rows: Iterable[R]) -> defaultdict[uuid.UUID, list[R]]:
    grouped: defaultdict[uuid.UUID, list[R]] = defaultdict(list)
    for row in rows:
        grouped[row.child_id].append(row)
    return grouped


def _entry(
    child: ChildRow,
    stamp_rows: list[AttendanceStampRow],
    notice_rows: list[AttendanceNoticeRow],
    *,
    day: date,
    now: datetime,
    room: Room,
) -> BoardEntry:
    effective = effective_stamps(stamps.as_stamps(stamp_rows))
    spans = [notices.as_span(n) for n in notice_rows]
    status = day_status(effective, spans, day=day, now=now, cutoff=room.arrival_cutoff)
    live = {s.id for s in effective}
    return BoardEntry(
        child,
        status,
        first_arrival(effective),
        last_pickup(effective),
        notice_rows,
        sorted((r for r in stamp_rows if r.id in live), key=lambda r: r.at),
    )


@dataclass
class ChildMonth:
    child: ChildRow
    figures: MonthFigures


@dataclass
class MonthlyReport:
    classroom: ClassroomRow
    month: Month
    totals: MonthFigures
    children: list[ChildMonth] = field(default_factory=list)


async def monthly_attendance(
    services: Services, actor: Actor, classroom_id: uuid.UUID, month_text: str
) -> MonthlyReport:
    """Figures for every child on the class roster now (the reporter sees totals only)."""
    if not can_read_monthly_figures(actor):
        raise Forbidden("Not permitted to read monthly figures")
    month = parse_month(month_text)
    today = local_day(services.clock())
    async with services.sessions() as session:
        classroom = await _classroom(session, actor, classroom_id)
        # The classroom is in scope; its children are counted even for roles that may
        # not see them one by one (the schema guards the per-child list).
        children = await family.children_of_classroom(session, classroom.id)
        ids = [c.id for c in children]
        month_stamps = _by_child(
            await stamps.stamps_of_children_between(session, ids, month.first, month.last)
        )
        month_notices = _by_child(
            await notices.current_notices_between(session, ids, month.first, month.last)
        )
    per_child = [
        ChildMonth(
            c,
            child_month(
                stamps.as_stamps(month_stamps[c.id]),
                [notices.as_span(n) for n in month_notices[c.id]],
                month=month,
                today=today,
                certified_hours=c.certified_hours,
            ),
        )
        for c in children
    ]
    return MonthlyReport(classroom, month, class_totals(c.figures for c in per_child), per_child)
