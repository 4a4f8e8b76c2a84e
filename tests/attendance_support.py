"""Helpers for the attendance tests: a movable day clock, GraphQL documents, DB probes."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from sqlalchemy import func, select

from domain.attendance import at_local
from persistence.models import (
    AttendanceAlertRow,
    AttendanceNoticeRow,
    AttendanceStampRow,
    StreamEventRow,
)
from realtime import channels
from tests.support import MutableClock

# A Tuesday: an open day, far from the real date so nothing else collides with it.
TUESDAY = date(2031, 6, 10)

STAMP_FIELDS = "stamp { id kind at method voided child { id } } replayed"
CHECK_IN = f"""mutation($id: ID!, $key: String) {{
  checkIn(childId: $id, idempotencyKey: $key) {{ {STAMP_FIELDS} }} }}"""
CHECK_OUT = f"""mutation($id: ID!, $key: String) {{
  checkOut(childId: $id, idempotencyKey: $key) {{ {STAMP_FIELDS} }} }}"""
KIOSK_STAMP = f"""mutation($input: KioskStampInput!) {{
  kioskStamp(input: $input) {{ {STAMP_FIELDS} }} }}"""
REPORT = """mutation($input: ReportAbsenceInput!) {
  reportAbsence(input: $input) { id kind startDate endDate symptoms temperature note
    infectiousDisease plannedArrivalTime pickupPerson pickupTime acknowledgedAt acknowledgedBy
    supersedes { id } supersededBy { id } } }"""


class DayClock:
    """Moves the shared test clock to a facility-local moment; the fixture restores it."""

    def __init__(self, clock: MutableClock) -> None:
        self.clock = clock

    def at(self, hh: int, mm: int = 0, ss: int = 0, *, day: date = TUESDAY) -> None:
        self.clock.now = at_local(day, time(hh, mm, ss))


async def count(services: Any, model: Any, *where: Any) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def events(services: Any, stream: str) -> list[StreamEventRow]:
    async with services.sessions() as session:
        query = select(StreamEventRow).where(StreamEventRow.stream == stream)
        return list(await session.scalars(query.order_by(StreamEventRow.seq)))


async def stamps_of(services: Any, child_id: uuid.UUID) -> int:
    return await count(services, AttendanceStampRow, AttendanceStampRow.child_id == child_id)


async def notices_of(services: Any, child_id: uuid.UUID) -> int:
    return await count(services, AttendanceNoticeRow, AttendanceNoticeRow.child_id == child_id)


async def alerts_of(services: Any, facility_id: uuid.UUID, kind: str) -> int:
    return await count(
        services,
        AttendanceAlertRow,
        AttendanceAlertRow.facility_id == facility_id,
        AttendanceAlertRow.kind == kind,
    )


def classroom_stream(classroom_id: uuid.UUID) -> str:
    return channels.classroom_attendance(classroom_id)


def child_stream(child_id: uuid.UUID) -> str:
    return channels.child_attendance(child_id)


def alert_stream(facility_id: uuid.UUID) -> str:
    return channels.facility_alerts(facility_id)


def only_error(result: Any) -> dict[str, Any]:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]  # type: ignore[no-any-return]
