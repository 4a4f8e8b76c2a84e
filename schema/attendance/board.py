"""GraphQL views of a class's day (the attendance board) and month (the figures)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.policy import ItemClass
from resolvers.attendance import fields as r
from schema.attendance.enums import AttendanceStatus
from schema.attendance.types import AttendanceNotice, AttendanceStamp, StaffPresence
from schema.guard import sensitive

if TYPE_CHECKING:
    from schema.records.org import Classroom
    from schema.records.types import Child

_Child = Annotated["Child", strawberry.lazy("schema.records.types")]
_Classroom = Annotated["Classroom", strawberry.lazy("schema.records.org")]


@strawberry.type(description="One child's line on the board.")
class BoardEntry:
    child: _Child = strawberry.field(description="The child.")
    status: AttendanceStatus = strawberry.field(description="Status on the board's day.")
    arrived_at: datetime.datetime | None = strawberry.field(description="First arrival.")
    left_at: datetime.datetime | None = strawberry.field(
        description="Pick-up, once the child has left."
    )
    notices: list[AttendanceNotice] = strawberry.field(
        description="Current notices covering the day, oldest first."
    )
    stamps: list[AttendanceStamp] = strawberry.field(
        description="The day's stamps that count (corrected ones are in stampHistory)."
    )


@strawberry.type(
    description="Children present against the staff 配置基準 requires: per child 1/ratio "
    "(age 0: 3, 1–2: 6, 3: 15, 4–5: 25, or the facility's own), summed and rounded up, "
    "and at least 2 whenever a child is present."
)
class StaffRatio:
    children_present: int = strawberry.field(description="Children present now.")
    staff_present: int = strawberry.field(description="Staff clocked in to the room now.")
    staff_required: int = strawberry.field(description="Staff the children present require.")
    short: bool = strawberry.field(description="Whether fewer staff are present than required.")
    staff: list[StaffPresence] = strawberry.field(
        resolver=r.staff_in_room, description="Who is clocked in."
    )


@strawberry.type(description="A class's day: every child's status, times and notices.")
class AttendanceBoard:
    classroom: _Classroom = strawberry.field(description="The class.")
    day: datetime.date = strawberry.field(name="date", description="The day shown.")
    entries: list[BoardEntry] = strawberry.field(description="One per child, in kana order.")
    staffing: StaffRatio = strawberry.field(description="The room's staffing now.")


@strawberry.type(description="Days absent for one reason.")
class AbsenceCount:
    reason: str = strawberry.field(
        description="A notice kind (sick, family) or 'unreported' (no stamp, no notice)."
    )
    days: int = strawberry.field(description="Number of days.")


@strawberry.type(description="Attendance figures over a month.")
class MonthlyFigures:
    days_present: int = strawberry.field(
        description="Days with an arrival (child-days for a class)."
    )
    absences: list[AbsenceCount] = strawberry.field(
        resolver=r.absences_of, description="Absent days by reason."
    )
    extended_minutes: int = strawberry.field(
        name="extendedCareMinutes",
        description="Minutes present beyond the certified hours (保育標準時間 11 h, "
        "保育短時間 8 h), summed per day.",
    )


@strawberry.type(description="One child's month.")
class ChildMonthlyFigures:
    child: _Child = strawberry.field(description="The child.")
    figures: MonthlyFigures = strawberry.field(description="The child's figures.")


@strawberry.type(description="A class's month (for reporting).")
class MonthlyAttendance:
    classroom: _Classroom = strawberry.field(description="The class.")
    month: str = strawberry.field(resolver=r.month_text, description="YYYY-MM.")
    totals: MonthlyFigures = strawberry.field(description="The class's totals.")
    children: list[ChildMonthlyFigures] | None = sensitive(
        ItemClass.CHILD_DISPLAY,
        "children",
        entity="classroom",
        record_id=lambda root: root.classroom.id,
        description="Per child, in kana order (not for roles that see aggregates only).",
    )
