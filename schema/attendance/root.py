"""Root fields of attendance (PRODUCT.md capability 2 and the core contract).

Who may call what is decided in ``domain.attendance_policy``; records outside
the caller's scope answer NOT_FOUND as if they did not exist.
"""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from domain.attendance import StampKind
from persistence.models import AttendanceAlertRow, AttendanceNoticeRow, StaffPresenceRow
from resolvers.attendance import api
from resolvers.attendance.board import Board, MonthlyReport
from resolvers.attendance.kiosk import QrTokenIssued
from resolvers.attendance.stamps import StampResult
from schema.attendance.board import AttendanceBoard, MonthlyAttendance
from schema.attendance.inputs import (
    CorrectStampInput,
    KioskStampInput,
    ReportAbsenceInput,
    SetPinInput,
)
from schema.attendance.types import (
    AttendanceAlert,
    AttendanceNotice,
    FamilyQrToken,
    StaffPresence,
    StampPayload,
)
from schema.guard import staff_only

_CHILD = "The child's id."
_CLASSROOM = "The classroom's id."
_INPUT = "What to record; limits are in each field's description."
_KEY = (
    "Optional client-generated key (1–100 characters), unique per account: the same key "
    "again with the same arguments returns the first result and records nothing new; with "
    "other arguments it is a CONFLICT."
)


async def _check_in(
    info: strawberry.Info,
    child_id: Annotated[strawberry.ID, strawberry.argument(description=_CHILD)],
    idempotency_key: Annotated[str | None, strawberry.argument(description=_KEY)] = None,
) -> StampResult:
    return await api.stamp(info, child_id, StampKind.ARRIVAL, idempotency_key)


async def _check_out(
    info: strawberry.Info,
    child_id: Annotated[strawberry.ID, strawberry.argument(description=_CHILD)],
    idempotency_key: Annotated[str | None, strawberry.argument(description=_KEY)] = None,
) -> StampResult:
    return await api.stamp(info, child_id, StampKind.PICKUP, idempotency_key)


async def _kiosk_stamp(
    info: strawberry.Info,
    input: Annotated[KioskStampInput, strawberry.argument(description=_INPUT)],
) -> StampResult:
    return await api.kiosk_stamp(info, input)


async def _correct_stamp(
    info: strawberry.Info,
    input: Annotated[CorrectStampInput, strawberry.argument(description=_INPUT)],
) -> StampResult:
    return await api.correct_stamp(info, input)


async def _report_absence(
    info: strawberry.Info,
    input: Annotated[ReportAbsenceInput, strawberry.argument(description=_INPUT)],
) -> AttendanceNoticeRow:
    return await api.report_absence(info, input)


async def _acknowledge_notice(
    info: strawberry.Info,
    notice_id: Annotated[strawberry.ID, strawberry.argument(description="The notice's id.")],
) -> AttendanceNoticeRow:
    return await api.acknowledge_notice(info, notice_id)


async def _clock_in(
    info: strawberry.Info,
    classroom_id: Annotated[strawberry.ID, strawberry.argument(description=_CLASSROOM)],
) -> StaffPresenceRow:
    return await api.clock_in(info, classroom_id)


async def _clock_out(
    info: strawberry.Info,
    classroom_id: Annotated[strawberry.ID, strawberry.argument(description=_CLASSROOM)],
) -> StaffPresenceRow:
    return await api.clock_out(info, classroom_id)


async def _issue_family_qr_token(
    info: strawberry.Info,
    guardian_id: Annotated[
        strawberry.ID, strawberry.argument(description="The guardian the code speaks for.")
    ],
) -> QrTokenIssued:
    return await api.issue_family_qr_token(info, guardian_id)


async def _set_pin(
    info: strawberry.Info,
    input: Annotated[SetPinInput, strawberry.argument(description=_INPUT)],
) -> bool:
    return await api.set_pin(info, input)


async def _attendance_board(
    info: strawberry.Info,
    classroom_id: Annotated[strawberry.ID, strawberry.argument(description=_CLASSROOM)],
    date: Annotated[datetime.date, strawberry.argument(description="The day to show.")],
) -> Board:
    return await api.attendance_board(info, classroom_id, date)


async def _monthly_attendance(
    info: strawberry.Info,
    classroom_id: Annotated[strawberry.ID, strawberry.argument(description=_CLASSROOM)],
    month: Annotated[str, strawberry.argument(description="The month, written YYYY-MM.")],
) -> MonthlyReport:
    return await api.monthly_attendance(info, classroom_id, month)


async def _notices(
    info: strawberry.Info,
    child_id: Annotated[strawberry.ID, strawberry.argument(description=_CHILD)],
    since: Annotated[
        datetime.date | None,
        strawberry.argument(
            description="Notices ending on or after this day; default 31 days ago."
        ),
    ] = None,
    include_replaced: Annotated[
        bool, strawberry.argument(description="Include notices replaced by a newer one.")
    ] = False,
) -> list[AttendanceNoticeRow]:
    return await api.notices(info, child_id, since, include_replaced)


async def _attendance_alerts(
    info: strawberry.Info,
    facility_id: Annotated[strawberry.ID, strawberry.argument(description="The facility's id.")],
    date: Annotated[datetime.date, strawberry.argument(description="The day.")],
) -> list[AttendanceAlertRow]:
    return await api.attendance_alerts(info, facility_id, date)


@strawberry.type
class AttendanceQuery:
    attendance_board: AttendanceBoard = staff_only(
        _attendance_board,
        description="A class's day for its staff: each child's status, times and notices, "
        "and the room's staffing.",
    )
    monthly_attendance: MonthlyAttendance = strawberry.field(
        resolver=_monthly_attendance,
        description="A class's month: days present, absences by reason, extended-care "
        "minutes; per child for staff, totals only for reporters.",
    )
    notices: list[AttendanceNotice] = strawberry.field(  # type: ignore[assignment]
        resolver=_notices,
        description="A child's notices, newest first (at most 200): guardians of the child "
        "and staff.",
    )
    attendance_alerts: list[AttendanceAlert] = staff_only(
        _attendance_alerts,
        description="Alerts of a day at a facility, oldest first: teachers see their classes', "
        "other staff the facility's.",
    )


@strawberry.type
class AttendanceMutation:
    check_in: StampPayload = strawberry.field(
        resolver=_check_in,
        description="Stamp an arrival now (server clock): a guardian for their own child, "
        "staff for a child of their class, the entrance tablet for its facility.",
    )
    check_out: StampPayload = strawberry.field(
        resolver=_check_out,
        description="Stamp a pick-up now: a guardian for their own child (PICKUP_REFUSED if "
        "the records do not allow it), staff for their class. Needs a check-in first "
        "(INVALID_TRANSITION). The entrance tablet uses kioskStamp.",
    )
    kiosk_stamp: StampPayload = strawberry.field(
        resolver=_kiosk_stamp,
        description="The entrance tablet stamps for a child of its facility by family QR "
        "code or an adult's PIN. A pick-up by someone the records do not allow is refused "
        "(PICKUP_REFUSED) and alerts the class and the director.",
    )
    correct_stamp: StampPayload = strawberry.field(
        resolver=_correct_stamp,
        description="Staff correct or void a stamp with a reason; the original is kept.",
    )
    report_absence: AttendanceNotice = strawberry.field(
        resolver=_report_absence,
        description="A guardian sends an absence, late-arrival or early pick-up notice.",
    )
    acknowledge_notice: AttendanceNotice = strawberry.field(
        resolver=_acknowledge_notice,
        description="Staff mark a notice as read (確認済); the guardian sees it.",
    )
    clock_in: StaffPresence = strawberry.field(
        resolver=_clock_in, description="A staff member starts working in a classroom."
    )
    clock_out: StaffPresence = strawberry.field(
        resolver=_clock_out, description="A staff member leaves a classroom."
    )
    issue_family_qr_token: FamilyQrToken = strawberry.field(
        resolver=_issue_family_qr_token,
        description="Office staff issue (or rotate) a family's QR code; the token is shown once.",
    )
    set_pin: bool = strawberry.field(
        resolver=_set_pin,
        description="Set a kiosk PIN: a guardian their own, office staff anyone's.",
    )
