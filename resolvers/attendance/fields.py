"""Field resolvers of the attendance types: batched through loaders, staff-only where noted."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry

from domain.attendance import DayStatus, day_status, local_day
from domain.attendance_policy import can_read_stamp_history
from domain.errors import Forbidden
from domain.monthly import MonthFigures
from persistence.attendance import notices, stamps
from persistence.models import (
    AttendanceAlertRow,
    AttendanceNoticeRow,
    AttendanceStampRow,
    ChildRow,
    ClassroomRow,
    PickupPersonRow,
    StaffPresenceRow,
)
from persistence.records.family import GuardianLink
from resolvers.attendance.loaders import loaders_of


def require_staff_history(info: strawberry.Info) -> None:
    if not can_read_stamp_history(info.context.actor):
        raise Forbidden("Stamp history is for staff")


async def child_of(root: Any, info: strawberry.Info) -> ChildRow | None:
    if root.child_id is None:
        return None
    return await info.context.loaders.child_by_id.load(root.child_id)  # type: ignore[no-any-return]


async def classroom_of(root: Any, info: strawberry.Info) -> ClassroomRow | None:
    if root.classroom_id is None:
        return None
    return await info.context.loaders.classroom_by_id.load(root.classroom_id)  # type: ignore[no-any-return]


async def presenting_guardian(root: Any, info: strawberry.Info) -> GuardianLink | None:
    """With the guardianship to that child (relationship, restriction) when there is one;
    out of the viewer's reach (the kiosk's, say) it is simply null."""
    if root.guardian_id is None:
        return None
    loaders = info.context.loaders
    links: list[GuardianLink] = await loaders.guardians_by_child.load(root.child_id)
    linked = next((g for g in links if g.guardian.id == root.guardian_id), None)
    if linked is not None:
        return linked
    row = await loaders.guardian_by_id.load(root.guardian_id)
    return GuardianLink(row, None) if row is not None else None


async def presenting_pickup_person(root: Any, info: strawberry.Info) -> PickupPersonRow | None:
    if root.pickup_person_id is None:
        return None
    return await loaders_of(info).pickup_person_by_id.load(root.pickup_person_id)


# Stamps


def stamp_reason(root: AttendanceStampRow, info: strawberry.Info) -> str | None:
    require_staff_history(info)
    return root.reason


async def stamp_corrects(
    root: AttendanceStampRow, info: strawberry.Info
) -> AttendanceStampRow | None:
    require_staff_history(info)
    if root.corrects_id is None:
        return None
    return await loaders_of(info).stamp_by_id.load(root.corrects_id)


async def stamp_corrected_by(
    root: AttendanceStampRow, info: strawberry.Info
) -> AttendanceStampRow | None:
    require_staff_history(info)
    return await loaders_of(info).correction_by_stamp.load(root.id)


# Notices


async def notice_supersedes(
    root: AttendanceNoticeRow, info: strawberry.Info
) -> AttendanceNoticeRow | None:
    if root.supersedes_id is None:
        return None
    return await loaders_of(info).notice_by_id.load(root.supersedes_id)


async def notice_superseded_by(
    root: AttendanceNoticeRow, info: strawberry.Info
) -> AttendanceNoticeRow | None:
    return await loaders_of(info).successor_by_notice.load(root.id)


async def acknowledged_by_name(root: AttendanceNoticeRow, info: strawberry.Info) -> str | None:
    if root.acknowledged_by is None:
        return None
    return await loaders_of(info).account_name_by_id.load(root.acknowledged_by)


# Alerts and staff presence


def alert_count(name: str) -> Any:
    def read(root: AttendanceAlertRow) -> int | None:
        value = (root.details or {}).get(name)
        return int(value) if value is not None else None

    return read


async def staff_name(root: StaffPresenceRow, info: strawberry.Info) -> str | None:
    return await loaders_of(info).account_name_by_id.load(root.account_id)


async def staff_in_room(root: Any, info: strawberry.Info) -> list[StaffPresenceRow]:
    key = (root.classroom_id, root.day)
    return await loaders_of(info).presences_by_classroom_day.load(key)


# Monthly figures


@dataclass(frozen=True, slots=True)
class AbsenceDays:
    reason: str
    days: int


def absences_of(root: MonthFigures) -> list[AbsenceDays]:
    return [AbsenceDays(reason, days) for reason, days in sorted(root.absences.items())]


def month_text(root: Any) -> str:
    return str(root.month)


# On Child


def today_status(root: ChildRow, info: strawberry.Info) -> Awaitable[DayStatus]:
    return _today_status(root, info)


async def _today_status(root: ChildRow, info: strawberry.Info) -> DayStatus:
    now = info.context.services.clock()
    facts = await loaders_of(info).day_facts_by_child_day.load((root.id, local_day(now)))
    if facts is None:  # withheld by a relationship rule: the same answer as any denial
        raise Forbidden("Not permitted to read child_display items")
    spans = [notices.as_span(n) for n in facts.notices]
    kwargs = {"cutoff": facts.cutoff} if facts.cutoff is not None else {}
    return day_status(stamps.as_stamps(facts.stamps), spans, day=local_day(now), now=now, **kwargs)


async def stamp_history(
    root: ChildRow,
    info: strawberry.Info,
    date: Annotated[datetime.date, strawberry.argument(description="The day.")],
) -> list[AttendanceStampRow]:
    require_staff_history(info)
    return await loaders_of(info).stamps_by_child_day.load((root.id, date))
