"""Absence, late and early pick-up notices: send, supersede, acknowledge, list."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from domain.attendance import AttendanceEvent, local_day
from domain.attendance_policy import can_acknowledge_notice, can_read_notices, can_send_notice
from domain.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from domain.notices import NoticeDraft, validated
from domain.roles import Actor
from persistence.attendance import notices
from persistence.db import ConstraintViolated, add_and_flush
from persistence.models import AttendanceNoticeRow, ChildRow
from persistence.records import family
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.events import to_class_and_child
from resolvers.attendance.stamps import child_in_scope
from resolvers.services import Services
from resolvers.unit_of_work import UnitOfWork, unit_of_work

LISTED_DAYS_BACK = 31


async def report_absence(
    services: Services,
    actor: Actor,
    *,
    child_id: uuid.UUID,
    draft: NoticeDraft,
    supersedes_id: uuid.UUID | None,
) -> AttendanceNoticeRow:
    if not can_send_notice(actor):
        raise Forbidden("Notices are sent by guardians")
    now = services.clock()
    draft = validated(draft, today=local_day(now))
    async with unit_of_work(services) as uow:
        child = await child_in_scope(uow, actor, child_id)
        if supersedes_id is not None:
            await _replaceable(uow, actor, supersedes_id, child)
        row = _row(child, draft, actor=actor, supersedes_id=supersedes_id, now=now)
        try:
            await add_and_flush(uow.session, row)
        except ConstraintViolated:
            raise Conflict("That notice was replaced at the same moment") from None
        await _record(uow, actor, row, "create", AttendanceEvent.NOTICE_SENT)
    return row


async def _replaceable(
    uow: UnitOfWork, actor: Actor, notice_id: uuid.UUID, child: ChildRow
) -> AttendanceNoticeRow:
    old = await notices.notice_for_update(uow.session, actor, notice_id)
    if old is None:
        raise NotFound("No such notice")
    if old.child_id != child.id:
        raise InvalidInput("supersedes must be a notice for the same child", field="supersedes")
    if await notices.is_superseded(uow.session, old.id):
        raise InvalidTransition("That notice was already replaced; change the latest one")
    return old


def _row(
    child: ChildRow,
    draft: NoticeDraft,
    *,
    actor: Actor,
    supersedes_id: uuid.UUID | None,
    now: object,
) -> AttendanceNoticeRow:
    health = {
        "symptoms": [s.value for s in draft.symptoms],
        "infectious_disease": draft.infectious_disease,
        "temperature": draft.temperature,
    }
    return AttendanceNoticeRow(
        id=uuid.uuid4(),
        child_id=child.id,
        facility_id=child.facility_id,
        classroom_id=child.classroom_id,
        kind=draft.kind.value,
        start_date=draft.start,
        end_date=draft.end,
        health=health if any(health.values()) else None,
        note=draft.note,
        planned_arrival=draft.planned_arrival,
        pickup_person=draft.pickup_person,
        pickup_time=draft.pickup_time,
        supersedes_id=supersedes_id,
        sent_by=actor.account_id,
        sent_at=now,
    )


async def acknowledge_notice(
    services: Services, actor: Actor, notice_id: uuid.UUID
) -> AttendanceNoticeRow:
    """確認済: staff have read it. Acknowledging twice changes nothing."""
    if not can_acknowledge_notice(actor):
        raise Forbidden("Notices are acknowledged by staff")
    async with unit_of_work(services) as uow:
        row = await notices.notice_for_update(uow.session, actor, notice_id)
        if row is None:
            raise NotFound("No such notice")
        if row.acknowledged_at is not None:
            return row
        if await notices.is_superseded(uow.session, row.id):
            raise InvalidTransition("This notice was replaced; acknowledge the latest one")
        row.acknowledged_at = services.clock()
        row.acknowledged_by = actor.account_id
        await uow.session.flush()
        await _record(uow, actor, row, "update", AttendanceEvent.NOTICE_ACKNOWLEDGED)
    return row


async def _record(
    uow: UnitOfWork, actor: Actor, row: AttendanceNoticeRow, action: str, kind: AttendanceEvent
) -> None:
    await audit.append(
        uow.session,
        actor,
        [AuditRecord(action, "attendance_notice", "attendance_notice", row.id, row.facility_id)],
    )
    await to_class_and_child(
        uow, kind, classroom_id=row.classroom_id, child_id=row.child_id, notice_id=row.id
    )


async def notices_of_child(
    services: Services,
    actor: Actor,
    child_id: uuid.UUID,
    *,
    since: date | None,
    include_replaced: bool,
) -> list[AttendanceNoticeRow]:
    if not can_read_notices(actor):
        raise Forbidden("Not permitted to read notices")
    since = since or local_day(services.clock()) - timedelta(days=LISTED_DAYS_BACK)
    async with services.sessions() as session:
        (child,) = await family.children_by_ids(session, actor, [child_id])
        if child is None:
            raise NotFound("No such child")
        return await notices.notices_of_child(
            session, actor, child_id, since=since, current_only=not include_replaced
        )
