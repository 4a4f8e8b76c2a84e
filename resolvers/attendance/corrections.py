"""Staff corrections of stamps: a new stamp that supersedes the old, with the reason kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.attendance import (
    FACILITY_TIMEZONE,
    AttendanceEvent,
    Stamp,
    StampKind,
    StampMethod,
    effective_stamps,
    local_day,
    require_alternating,
)
from domain.attendance_policy import can_correct_stamps
from domain.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from domain.idempotency import KeyUse, fingerprint
from domain.roles import Actor
from domain.validation import require_text
from persistence.attendance import stamps
from persistence.models import AttendanceStampRow
from persistence.records import family
from persistence.repositories import audit, idempotency
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.events import to_class_and_child
from resolvers.attendance.staffing import recheck_ratio
from resolvers.attendance.stamps import StampResult, idempotency_key
from resolvers.services import Services
from resolvers.unit_of_work import UnitOfWork, unit_of_work

MAX_REASON = 500


async def correct_stamp(
    services: Services,
    actor: Actor,
    *,
    stamp_id: uuid.UUID,
    at: datetime | None,
    void: bool,
    reason: str,
    key: str | None,
) -> StampResult:
    if not can_correct_stamps(actor):
        raise Forbidden("Only staff correct stamps")
    reason = require_text(reason, field="reason", max_length=MAX_REASON)
    key = idempotency_key(key)
    if at is None and not void:
        raise InvalidInput("at is required unless the stamp is voided", field="at")
    async with unit_of_work(services) as uow:
        original = await _stamp_in_scope(uow, actor, stamp_id)
        await stamps.lock_classroom(uow.session, original.classroom_id)
        if key is not None:
            request = fingerprint(
                "correctStamp", stamp_id=stamp_id, at=at, void=void, reason=reason
            )
            use = await idempotency.claim(
                uow.session, actor.account_id, key, request, now=services.clock()
            )
            if use is KeyUse.CONFLICT:
                raise Conflict("This idempotency key was already used for another request")
            # Also keys stored on stamps before keys had a fingerprint.
            if (earlier := await _earlier(uow, actor, key, original)) is not None:
                return earlier
        if await stamps.is_corrected(uow.session, original.id):
            raise InvalidTransition("This stamp was corrected already; correct the latest one")
        new_at = original.at if void or at is None else _checked_time(at, original, services)
        row = await _insert(
            uow, actor, original, new_at, void=void, reason=reason, key=key, now=services.clock()
        )
        await _after_change(uow, actor, original, row, now=services.clock())
    return StampResult(row, replayed=False)


async def _stamp_in_scope(uow: UnitOfWork, actor: Actor, stamp_id: uuid.UUID) -> AttendanceStampRow:
    original = await stamps.stamp_by_id(uow.session, stamp_id)
    if original is None:
        raise NotFound("No such stamp")
    (child,) = await family.children_by_ids(uow.session, actor, [original.child_id])
    if child is None:
        raise NotFound("No such stamp")
    return original


async def _earlier(
    uow: UnitOfWork, actor: Actor, key: str, original: AttendanceStampRow
) -> StampResult | None:
    row = await stamps.stamp_by_key(uow.session, actor.account_id, key)
    if row is None:
        return None
    if row.corrects_id != original.id:
        raise Conflict("This idempotency key was already used for another stamp")
    return StampResult(row, replayed=True)


def _checked_time(at: datetime, original: AttendanceStampRow, services: Services) -> datetime:
    at = at if at.tzinfo is not None else at.replace(tzinfo=FACILITY_TIMEZONE)
    if at > services.clock():
        raise InvalidInput("at cannot be in the future", field="at")
    if local_day(at) != original.day:
        raise InvalidInput("A correction stays on the stamp's day", field="at")
    return at


async def _insert(
    uow: UnitOfWork,
    actor: Actor,
    original: AttendanceStampRow,
    at: datetime,
    *,
    void: bool,
    reason: str,
    key: str | None,
    now: datetime,
) -> AttendanceStampRow:
    day_rows = await stamps.stamps_of_child_day(uow.session, original.child_id, original.day)
    proposed = Stamp(uuid.uuid4(), StampKind(original.kind), at, original.id, void)
    require_alternating(effective_stamps([*stamps.as_stamps(day_rows), proposed]))
    row = await stamps.insert_stamp(
        uow.session,
        {
            "child_id": original.child_id,
            "facility_id": original.facility_id,
            "classroom_id": original.classroom_id,
            "day": original.day,
            "kind": original.kind,
            "at": at,
            "recorded_at": now,
            "method": StampMethod.STAFF.value,
            "account_id": actor.account_id,
            "idempotency_key": key,
            "corrects_id": original.id,
            "reason": reason,
            "voided": void,
        },
    )
    assert row is not None  # the class lock and the key check above rule out a conflict
    return row  # type: ignore[no-any-return]  # a read row with AttendanceStampRow's columns


async def _after_change(
    uow: UnitOfWork,
    actor: Actor,
    original: AttendanceStampRow,
    row: AttendanceStampRow,
    *,
    now: datetime,
) -> None:
    await audit.append(
        uow.session,
        actor,
        [AuditRecord("create", "attendance_stamp", "attendance_stamp", row.id, row.facility_id)],
    )
    await to_class_and_child(
        uow,
        AttendanceEvent.STAMP_CORRECTED,
        classroom_id=original.classroom_id,
        child_id=original.child_id,
        stamp_id=row.id,
        corrects_id=original.id,
    )
    if original.day == local_day(now):  # only today's room is staffed now
        after = list(await stamps.stamps_of_classroom_day(uow.session, row.classroom_id, row.day))
        before = [r for r in after if r.id != row.id]
        await recheck_ratio(
            uow, row.classroom_id, row.day, stamps_before=before, stamps_after=after, now=now
        )
