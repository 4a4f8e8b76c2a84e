"""GraphQL entry points of attendance: parse the input, then call the service.

Everything after parsing (scope, policy, rules, audit, events) lives in the
service modules, which the CLI and the scheduler share where they need to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from domain.attendance import NoticeKind, StampKind, StampMethod
from domain.attendance_policy import can_read_alerts, can_stamp
from domain.errors import Forbidden, NotFound
from domain.notices import NoticeDraft, Symptom
from domain.pickup import Presenter
from domain.roles import Actor, Role
from persistence.attendance import alerts as alert_rows
from persistence.models import (
    AttendanceAlertRow,
    AttendanceNoticeRow,
    StaffPresenceRow,
)
from persistence.records import family
from resolvers.attendance import board
from resolvers.attendance import corrections as attendance_corrections
from resolvers.attendance import kiosk as attendance_kiosk
from resolvers.attendance import notices as attendance_notices
from resolvers.attendance import presence as attendance_presence
from resolvers.attendance import stamps as attendance_stamps
from resolvers.ids import parse_id


def _method_of(actor: Actor) -> StampMethod:
    if actor.role is Role.GUARDIAN:
        return StampMethod.GUARDIAN_PHONE
    if actor.role is Role.KIOSK:
        return StampMethod.KIOSK_TAP
    return StampMethod.STAFF


async def stamp(
    info: strawberry.Info, child_id: str, kind: StampKind, key: str | None
) -> attendance_stamps.StampResult:
    actor: Actor = info.context.actor
    if not can_stamp(actor, kind):
        raise Forbidden("At the entrance tablet a pick-up needs a QR code or PIN (kioskStamp)")
    presenters = (Presenter(guardian_id=actor.guardian_id),) if actor.guardian_id else ()
    request = attendance_stamps.StampRequest(
        parse_id(child_id, field="childId"),
        kind,
        _method_of(actor),
        attendance_stamps.idempotency_key(key),
        presenters,
    )
    return await attendance_stamps.record_stamp(info.context.services, actor, request)


async def kiosk_stamp(info: strawberry.Info, input: Any) -> attendance_stamps.StampResult:
    return await attendance_kiosk.kiosk_stamp(
        info.context.services,
        info.context.actor,
        child_id=parse_id(input.child_id, field="childId"),
        kind=StampKind(input.kind),
        qr_token=input.qr_token,
        pin=input.pin,
        key=input.idempotency_key,
    )


async def correct_stamp(info: strawberry.Info, input: Any) -> attendance_stamps.StampResult:
    return await attendance_corrections.correct_stamp(
        info.context.services,
        info.context.actor,
        stamp_id=parse_id(input.stamp_id, field="stampId"),
        at=input.at,
        void=input.void,
        reason=input.reason,
        key=input.idempotency_key,
    )


async def report_absence(info: strawberry.Info, input: Any) -> AttendanceNoticeRow:
    draft = NoticeDraft(
        kind=NoticeKind(input.kind),
        start=input.start_date,
        end=input.end_date or input.start_date,
        symptoms=tuple(Symptom(s) for s in input.symptoms),
        infectious_disease=input.infectious_disease,
        temperature=input.temperature,
        note=input.note,
        planned_arrival=input.planned_arrival_time,
        pickup_person=input.pickup_person,
        pickup_time=input.pickup_time,
    )
    supersedes = input.supersedes
    return await attendance_notices.report_absence(
        info.context.services,
        info.context.actor,
        child_id=parse_id(input.child_id, field="childId"),
        draft=draft,
        supersedes_id=parse_id(supersedes, field="supersedes") if supersedes else None,
    )


async def acknowledge_notice(info: strawberry.Info, notice_id: str) -> AttendanceNoticeRow:
    return await attendance_notices.acknowledge_notice(
        info.context.services, info.context.actor, parse_id(notice_id, field="noticeId")
    )


async def notices(
    info: strawberry.Info, child_id: str, since: date | None, include_replaced: bool
) -> list[AttendanceNoticeRow]:
    return await attendance_notices.notices_of_child(
        info.context.services,
        info.context.actor,
        parse_id(child_id, field="childId"),
        since=since,
        include_replaced=include_replaced,
    )


async def clock_in(info: strawberry.Info, classroom_id: str) -> StaffPresenceRow:
    return await attendance_presence.clock_in(
        info.context.services, info.context.actor, parse_id(classroom_id, field="classroomId")
    )


async def clock_out(info: strawberry.Info, classroom_id: str) -> StaffPresenceRow:
    return await attendance_presence.clock_out(
        info.context.services, info.context.actor, parse_id(classroom_id, field="classroomId")
    )


async def issue_family_qr_token(
    info: strawberry.Info, guardian_id: str
) -> attendance_kiosk.QrTokenIssued:
    return await attendance_kiosk.issue_family_qr_token(
        info.context.services, info.context.actor, parse_id(guardian_id, field="guardianId")
    )


async def set_pin(info: strawberry.Info, input: Any) -> bool:
    return await attendance_kiosk.set_pin(
        info.context.services,
        info.context.actor,
        pin=input.pin,
        guardian_id=parse_id(input.guardian_id, field="guardianId") if input.guardian_id else None,
        pickup_person_id=(
            parse_id(input.pickup_person_id, field="pickupPersonId")
            if input.pickup_person_id
            else None
        ),
    )


async def attendance_board(info: strawberry.Info, classroom_id: str, day: date) -> board.Board:
    return await board.attendance_board(
        info.context.services,
        info.context.actor,
        parse_id(classroom_id, field="classroomId"),
        day,
    )


async def monthly_attendance(
    info: strawberry.Info, classroom_id: str, month: str
) -> board.MonthlyReport:
    return await board.monthly_attendance(
        info.context.services,
        info.context.actor,
        parse_id(classroom_id, field="classroomId"),
        month,
    )


async def attendance_alerts(
    info: strawberry.Info, facility_id: str, day: date
) -> list[AttendanceAlertRow]:
    actor: Actor = info.context.actor
    if not can_read_alerts(actor):
        raise Forbidden("Alerts are for staff")
    facility = parse_id(facility_id, field="facilityId")
    async with info.context.sessions() as session:
        (row,) = await family.facilities_by_ids(session, actor, [facility])
        if row is None:
            raise NotFound("No such facility")
        return await alert_rows.alerts_of_facility_day(session, actor, facility, day)
