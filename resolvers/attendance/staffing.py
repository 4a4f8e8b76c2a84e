"""A room's staffing against 配置基準, and the alerts when it crosses the line.

Callers hold the classroom's attendance lock (``lock_classroom``), so the
before/after picture they compute cannot interleave with another writer's.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from domain.attendance import AttendanceEvent, Presence, StampKind, effective_stamps, presence
from domain.staffing import (
    RatioChange,
    Staffing,
    assess,
    class_age,
    ratio_change,
    ratios_with,
    staff_required,
)
from persistence.attendance import stamps
from persistence.attendance.alerts import insert_alert
from persistence.attendance.staff_presence import staff_present_count
from persistence.attendance.stamps import StampTarget, as_stamp
from persistence.db import Session
from persistence.models import AttendanceStampRow
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.events import alert_to_class_and_facility
from resolvers.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Room:
    """What the ratio of one classroom depends on, besides who is present."""

    classroom_id: uuid.UUID
    facility_id: uuid.UUID
    ratios: dict[int, int]
    ages: dict[uuid.UUID, int]  # class age of each child on the roster
    arrival_cutoff: time

    def staffing(self, present: Iterable[uuid.UUID], staff_present: int) -> Staffing:
        ages = [self.ages[c] for c in present if c in self.ages]
        return assess(ages, staff_present, self.ratios)


async def load_room(session: Session, classroom_id: uuid.UUID) -> Room:
    classroom, overrides, cutoff = await stamps.classroom_for_room(session, classroom_id)
    births = await stamps.births_of_classroom(session, classroom_id)
    ages = {child: class_age(born, classroom.fiscal_year) for child, born in births}
    return Room(classroom.id, classroom.facility_id, ratios_with(overrides), ages, cutoff)


def room_of(target: StampTarget, day_rows: Iterable[Any]) -> Room:
    """The room as far as a stamp needs it: the ages of the children stamped today."""
    ages = {row.child_id: class_age(row.date_of_birth, target.fiscal_year) for row in day_rows}
    ages[target.id] = class_age(target.date_of_birth, target.fiscal_year)
    return Room(
        target.classroom_id,
        target.facility_id,
        ratios_with(target.staff_ratios),
        ages,
        target.arrival_cutoff,
    )


def present_children(rows: Iterable[Any]) -> set[uuid.UUID]:
    """Children whose effective stamps of the day leave them present."""
    by_child: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        by_child[row.child_id].append(row)
    return {
        child
        for child, stamps in by_child.items()
        if presence(effective_stamps(as_stamp(r) for r in stamps)) is Presence.PRESENT
    }


async def alert_on_crossing(
    uow: UnitOfWork, room: Room, before: Staffing, after: Staffing, *, day: date, now: datetime
) -> None:
    """Raise ``ratio_short`` when the room becomes short; ``ratio_restored`` when it recovers."""
    change = ratio_change(before, after)
    if change is None:
        return
    if change is RatioChange.RESTORED:
        await alert_to_class_and_facility(
            uow,
            AttendanceEvent.RATIO_RESTORED,
            facility_id=room.facility_id,
            classroom_id=room.classroom_id,
            subject_id=room.classroom_id,
        )
        return
    alert_id = await insert_alert(
        uow.session,
        {
            "facility_id": room.facility_id,
            "classroom_id": room.classroom_id,
            "kind": AttendanceEvent.RATIO_SHORT.value,
            "day": day,
            "at": now,
            "dedupe_key": f"ratio_short:{uuid.uuid4()}",
            "details": {
                "children_present": after.children_present,
                "staff_present": after.staff_present,
                "staff_required": after.staff_required,
            },
        },
    )
    # Raised by the rule, not by whoever's stamp or clock-out tipped the room.
    record = AuditRecord("create", "ratio_short", "attendance_alert", alert_id, room.facility_id)
    await audit.append(uow.session, None, [record], role="system")
    await alert_to_class_and_facility(
        uow,
        AttendanceEvent.RATIO_SHORT,
        facility_id=room.facility_id,
        classroom_id=room.classroom_id,
        subject_id=room.classroom_id,
        alert_id=alert_id,
    )


async def recheck_after_stamp(
    uow: UnitOfWork,
    room: Room,
    day: date,
    *,
    stamps_before: Iterable[Any],
    child_id: uuid.UUID,
    kind: StampKind,
    now: datetime,
) -> None:
    """A new (accepted) stamp puts one child in or out and leaves the staff as they are,
    so the room can only cross the line when the staff it requires changes; only then
    is the staff present counted."""
    present = present_children(stamps_before)
    before_ages = [room.ages[c] for c in present]
    present = present | {child_id} if kind is StampKind.ARRIVAL else present - {child_id}
    after_ages = [room.ages[c] for c in present]
    if staff_required(before_ages, room.ratios) == staff_required(after_ages, room.ratios):
        return
    staff = await staff_present_count(uow.session, room.classroom_id, day)
    before = assess(before_ages, staff, room.ratios)
    after = assess(after_ages, staff, room.ratios)
    await alert_on_crossing(uow, room, before, after, day=day, now=now)


async def recheck_ratio(
    uow: UnitOfWork,
    classroom_id: uuid.UUID,
    day: date,
    *,
    stamps_before: Iterable[AttendanceStampRow],
    stamps_after: Iterable[AttendanceStampRow],
    staff_joined: int = 0,
    now: datetime,
) -> None:
    """Compare the room before and after one change (a stamp, or staff clocking in/out:
    ``staff_joined`` is +1 or -1 and already in the database)."""
    room = await load_room(uow.session, classroom_id)
    staff = await staff_present_count(uow.session, classroom_id, day)
    before = room.staffing(present_children(stamps_before), staff - staff_joined)
    after = room.staffing(present_children(stamps_after), staff)
    await alert_on_crossing(uow, room, before, after, day=day, now=now)
