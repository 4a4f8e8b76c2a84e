"""Arrival and pick-up stamps: one service for the phone, staff and the entrance tablet.

Shape of a stamp: load the child within the actor's scope → take the class's
attendance lock → a known idempotency key returns the first result → check
who presented (pick-up restriction) → check the day's order (no check-out
without check-in) → insert → audit → events → the room's ratio → commit →
publish. A refused pick-up commits its alert and then answers PICKUP_REFUSED.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from domain.attendance import STAMP_EVENT, StampKind, StampMethod, local_day, require_can_stamp
from domain.errors import Conflict, InvalidInput, NotFound, PickupRefused
from domain.pickup import Presenter, may_bring, may_collect
from domain.roles import Actor
from persistence.models import AttendanceStampRow, ChildRow
from persistence.repositories import attendance as stamps
from persistence.repositories import audit, family, kiosk
from persistence.repositories.audit import AuditRecord
from resolvers.attendance_alerts import raise_pickup_refused
from resolvers.attendance_events import UnitOfWork, to_class_and_child, unit_of_work
from resolvers.attendance_staffing import recheck_ratio
from resolvers.services import Services

MAX_KEY = 100
_REFUSED = "This pick-up cannot be completed here. Please speak to a member of staff."


@dataclass(frozen=True, slots=True)
class StampRequest:
    child_id: uuid.UUID
    kind: StampKind
    method: StampMethod
    idempotency_key: str | None = None
    # Who presented themselves; several when one PIN matched more than one adult.
    presenters: tuple[Presenter, ...] = field(default=())


@dataclass
class StampResult:
    stamp: AttendanceStampRow
    replayed: bool


def idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_KEY:
        raise InvalidInput(
            f"idempotencyKey must be 1 to {MAX_KEY} characters", field="idempotencyKey"
        )
    return value


async def child_in_scope(uow: UnitOfWork, actor: Actor, child_id: uuid.UUID) -> ChildRow:
    (child,) = await family.children_by_ids(uow.session, actor, [child_id])
    if child is None or child.classroom_id is None:
        raise NotFound("No such child")
    return child  # type: ignore[no-any-return]  # a read row with ChildRow's columns


async def record_stamp(services: Services, actor: Actor, request: StampRequest) -> StampResult:
    async with unit_of_work(services) as uow:
        child = await child_in_scope(uow, actor, request.child_id)
        await stamps.lock_classroom(uow.session, child.classroom_id)  # type: ignore[arg-type]
        earlier = await _earlier(uow, actor, request)
        if earlier is not None:
            return earlier
        refused = await _refused_presenter(uow, child, request)
        if refused is None:
            return await _write(uow, services, actor, child, request)
        await raise_pickup_refused(
            uow, actor, child, refused, key=request.idempotency_key, now=services.clock()
        )
    raise PickupRefused(_REFUSED)


async def _earlier(uow: UnitOfWork, actor: Actor, request: StampRequest) -> StampResult | None:
    if request.idempotency_key is None:
        return None
    row = await stamps.stamp_by_key(uow.session, actor.account_id, request.idempotency_key)
    if row is None:
        return None
    if row.child_id != request.child_id or row.kind != request.kind:
        raise Conflict("This idempotency key was already used for another stamp")
    return StampResult(row, replayed=True)


async def _refused_presenter(
    uow: UnitOfWork, child: ChildRow, request: StampRequest
) -> Presenter | None:
    """The presenter a pick-up must be refused for; an unrelated adult's arrival is NOT_FOUND."""
    for presenter in request.presenters:
        right = await kiosk.pickup_right(uow.session, child.id, presenter)
        if request.kind is StampKind.ARRIVAL and not may_bring(right):
            raise NotFound("No such child")
        if request.kind is StampKind.PICKUP and not may_collect(right):
            return presenter
    return None


async def _write(
    uow: UnitOfWork, services: Services, actor: Actor, child: ChildRow, request: StampRequest
) -> StampResult:
    now = services.clock()
    day = local_day(now)
    classroom_id: uuid.UUID = child.classroom_id  # type: ignore[assignment]
    day_rows = list(await stamps.stamps_of_classroom_day(uow.session, classroom_id, day))
    require_can_stamp(stamps.as_stamps(r for r in day_rows if r.child_id == child.id), request.kind)
    presenter = request.presenters[0] if request.presenters else Presenter()
    row = await stamps.insert_stamp(
        uow.session,
        {
            "child_id": child.id,
            "facility_id": child.facility_id,
            "classroom_id": classroom_id,
            "day": day,
            "kind": request.kind.value,
            "at": now,
            "recorded_at": now,
            "method": request.method.value,
            "account_id": actor.account_id,
            "guardian_id": presenter.guardian_id,
            "pickup_person_id": presenter.pickup_person_id,
            "idempotency_key": request.idempotency_key,
        },
    )
    if row is None:  # the same key committed meanwhile from another class's lock
        return await _earlier(uow, actor, request)  # type: ignore[return-value]
    await audit.append(
        uow.session,
        actor,
        [AuditRecord("create", "attendance_stamp", "attendance_stamp", row.id, child.facility_id)],
    )
    await to_class_and_child(
        uow,
        STAMP_EVENT[request.kind],
        classroom_id=classroom_id,
        child_id=child.id,
        stamp_id=row.id,
    )
    await recheck_ratio(
        uow, classroom_id, day, stamps_before=day_rows, stamps_after=[*day_rows, row], now=now
    )
    return StampResult(row, replayed=False)
