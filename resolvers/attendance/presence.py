"""Staff clocking in and out of a classroom; each change re-checks the room's ratio."""

from __future__ import annotations

import uuid

from domain.attendance import AttendanceEvent, local_day
from domain.attendance_policy import can_clock_in
from domain.errors import Conflict, Forbidden, InvalidTransition, NotFound
from domain.roles import Actor
from persistence.attendance import staff_presence as presence
from persistence.attendance import stamps
from persistence.db import ConstraintViolated, add_and_flush
from persistence.models import ClassroomRow, StaffPresenceRow
from persistence.records import family
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.events import to_class
from resolvers.attendance.staffing import recheck_ratio
from resolvers.services import Services
from resolvers.unit_of_work import UnitOfWork, unit_of_work


async def _classroom(uow: UnitOfWork, actor: Actor, classroom_id: uuid.UUID) -> ClassroomRow:
    if not can_clock_in(actor):
        raise Forbidden("Only facility staff clock in to classrooms")
    (classroom,) = await family.classrooms_by_ids(uow.session, actor, [classroom_id])
    if classroom is None:
        raise NotFound("No such classroom")
    await stamps.lock_classroom(uow.session, classroom.id)
    return classroom  # type: ignore[no-any-return]  # a read row with ClassroomRow's columns


async def clock_in(services: Services, actor: Actor, classroom_id: uuid.UUID) -> StaffPresenceRow:
    now = services.clock()
    day = local_day(now)
    async with unit_of_work(services) as uow:
        classroom = await _classroom(uow, actor, classroom_id)
        current = await presence.open_presence_of(uow.session, actor.account_id)
        if current is not None and current.day == day:
            raise InvalidTransition(
                "Already clocked in to this classroom"
                if current.classroom_id == classroom.id
                else "Clock out of the other classroom first"
            )
        if current is not None:  # a clock-out forgotten on an earlier day
            await presence.close_presence(uow.session, current.id, now)
        row = StaffPresenceRow(
            account_id=actor.account_id,
            classroom_id=classroom.id,
            facility_id=classroom.facility_id,
            day=day,
            clocked_in_at=now,
        )
        try:
            await add_and_flush(uow.session, row)
        except ConstraintViolated:
            raise Conflict("Clocked in elsewhere at the same moment") from None
        await _record(uow, actor, row, AttendanceEvent.STAFF_CLOCKED_IN, staff_joined=1)
    return row


async def clock_out(services: Services, actor: Actor, classroom_id: uuid.UUID) -> StaffPresenceRow:
    now = services.clock()
    async with unit_of_work(services) as uow:
        classroom = await _classroom(uow, actor, classroom_id)
        row = await presence.open_presence_of(uow.session, actor.account_id)
        if row is None or row.classroom_id != classroom.id:
            raise InvalidTransition("Not clocked in to this classroom")
        row.clocked_out_at = now
        await uow.session.flush()
        await _record(uow, actor, row, AttendanceEvent.STAFF_CLOCKED_OUT, staff_joined=-1)
    return row


async def _record(
    uow: UnitOfWork,
    actor: Actor,
    row: StaffPresenceRow,
    kind: AttendanceEvent,
    *,
    staff_joined: int,
) -> None:
    action = "create" if staff_joined > 0 else "update"
    await audit.append(
        uow.session,
        actor,
        [AuditRecord(action, "staff_presence", "staff_presence", row.id, row.facility_id)],
    )
    await to_class(uow, kind, classroom_id=row.classroom_id, subject_id=row.id, presence_id=row.id)
    if row.day != local_day(row.clocked_out_at or row.clocked_in_at):
        return  # closing yesterday's forgotten presence changes no room today
    day_stamps = await stamps.stamps_of_classroom_day(uow.session, row.classroom_id, row.day)
    await recheck_ratio(
        uow,
        row.classroom_id,
        row.day,
        stamps_before=day_stamps,
        stamps_after=day_stamps,
        staff_joined=staff_joined,
        now=row.clocked_out_at or row.clocked_in_at,
    )
