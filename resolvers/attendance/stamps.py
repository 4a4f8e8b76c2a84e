"""Arrival and pick-up stamps: one service for the phone, staff and the entrance tablet.

Shape of a stamp: load the child within the actor's scope and take the class's
attendance lock (one statement) → check who presented (a family QR code, a PIN's holders, the
signed-in guardian: the pick-up restriction) → check the day's order (no
check-out without check-in) → insert, unless the idempotency key was used →
audit → events → the room's ratio → commit → publish. A key seen before
returns the first stamp. A refused pick-up commits its alert and then answers
PICKUP_REFUSED.

The common path is a handful of statements: the stamp is the morning rush's
unit of work, so nothing is read that the rules do not need.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from domain.attendance import STAMP_EVENT, StampKind, StampMethod, local_day, require_can_stamp
from domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PickupRefused
from domain.idempotency import KeyUse, fingerprint
from domain.pickup import PickupRight, Presenter, may_bring, may_collect
from domain.roles import Actor
from persistence.attendance import kiosk, stamps
from persistence.attendance.stamps import StampTarget
from persistence.models import ChildRow
from persistence.records import family
from persistence.repositories import audit, idempotency
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.alerts import raise_pickup_refused
from resolvers.attendance.events import to_class_and_child
from resolvers.attendance.staffing import recheck_after_stamp, room_of
from resolvers.services import Services
from resolvers.unit_of_work import UnitOfWork, unit_of_work

MAX_KEY = 100
_REFUSED = "This pick-up cannot be completed here. Please speak to a member of staff."
_KEY_REUSED = "This idempotency key was already used for another request"


@dataclass(frozen=True, slots=True)
class StampRequest:
    child_id: uuid.UUID
    kind: StampKind
    method: StampMethod
    idempotency_key: str | None = None
    # Who presented themselves; several when one PIN matched more than one adult.
    presenters: tuple[Presenter, ...] = field(default=())
    # A family QR code's digest, resolved to its guardian inside the transaction.
    qr_token_hash: str | None = None


@dataclass
class StampResult:
    stamp: Any  # an AttendanceStampRow, or a read row with its columns
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
        target = await stamps.stamp_target(uow.session, actor, request.child_id)
        if target is None:
            raise NotFound("No such child")
        key_use = await _claim_key(uow, actor, request, now=services.clock())
        rights = await _presenters_and_rights(uow, target.id, request)
        refused = _refused_presenter(request.kind, rights)
        if refused is None:
            if key_use is KeyUse.CONFLICT:
                raise Conflict(_KEY_REUSED)
            presenters = tuple(presenter for presenter, _ in rights)
            return await _write(uow, services, actor, target, request, presenters)
        # A refusal alerts whatever the key: a reused key must not silence it.
        await raise_pickup_refused(
            uow, actor, target, refused, key=_alert_key(request), now=services.clock()
        )
    if key_use is KeyUse.CONFLICT:
        raise Conflict(_KEY_REUSED)
    raise PickupRefused(_REFUSED)


def _fingerprint(request: StampRequest) -> str:
    """The request's operation and arguments; a PIN enters only as whom it matched."""
    return fingerprint(
        f"stamp:{request.kind.value}:{request.method.value}",
        child_id=request.child_id,
        presenters=sorted(str(p) for p in request.presenters),
        qr_token_hash=request.qr_token_hash,
    )


def _alert_key(request: StampRequest) -> str | None:
    """One alert per distinct request: a retry alerts once, another request alerts anew."""
    if request.idempotency_key is None:
        return None
    return f"{request.idempotency_key}:{_fingerprint(request)}"


async def _claim_key(uow: UnitOfWork, actor: Actor, request: StampRequest, *, now: Any) -> KeyUse:
    if request.idempotency_key is None:
        return KeyUse.FIRST
    return await idempotency.claim(
        uow.session, actor.account_id, request.idempotency_key, _fingerprint(request), now=now
    )


Rights = list[tuple[Presenter, PickupRight | None]]


async def _presenters_and_rights(
    uow: UnitOfWork, child_id: uuid.UUID, request: StampRequest
) -> Rights:
    """Who presented themselves, each with what the records say about them and the child."""
    if request.qr_token_hash is not None:
        found = await kiosk.qr_holder_and_right(uow.session, request.qr_token_hash, child_id)
        if found is None:
            raise InvalidInput("This QR code is not valid", field="qrToken")
        return [found]
    return [(p, await kiosk.pickup_right(uow.session, child_id, p)) for p in request.presenters]


async def _earlier(uow: UnitOfWork, actor: Actor, request: StampRequest) -> StampResult | None:
    if request.idempotency_key is None:
        return None
    row = await stamps.stamp_by_key(uow.session, actor.account_id, request.idempotency_key)
    if row is None:
        return None
    if row.child_id != request.child_id or row.kind != request.kind:
        raise Conflict(_KEY_REUSED)
    return StampResult(row, replayed=True)


def _refused_presenter(kind: StampKind, rights: Rights) -> Presenter | None:
    """The presenter a pick-up must be refused for; an unrelated adult's arrival is NOT_FOUND."""
    for presenter, right in rights:
        if kind is StampKind.ARRIVAL and not may_bring(right):
            raise NotFound("No such child")
        if kind is StampKind.PICKUP and not may_collect(right):
            return presenter
    return None


async def _write(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    target: StampTarget,
    request: StampRequest,
    presenters: tuple[Presenter, ...],
) -> StampResult:
    now = services.clock()
    day = local_day(now)
    day_rows = await stamps.day_of_classroom(uow.session, target.classroom_id, day)
    try:
        require_can_stamp(
            stamps.as_stamps(r for r in day_rows if r.child_id == target.id), request.kind
        )
    except InvalidTransition:
        # A retry of a stamp that went through finds the day moved on: answer it.
        if (earlier := await _earlier(uow, actor, request)) is not None:
            return earlier
        raise
    row = await stamps.insert_stamp(uow.session, _values(actor, target, request, presenters, now))
    if row is None:  # the key was used before: the first result, nothing new
        return await _earlier(uow, actor, request)  # type: ignore[return-value]
    await audit.append(
        uow.session,
        actor,
        [AuditRecord("create", "attendance_stamp", "attendance_stamp", row.id, target.facility_id)],
    )
    await to_class_and_child(
        uow,
        STAMP_EVENT[request.kind],
        classroom_id=target.classroom_id,
        child_id=target.id,
        stamp_id=row.id,
    )
    await recheck_after_stamp(
        uow,
        room_of(target, day_rows),
        day,
        stamps_before=day_rows,
        child_id=target.id,
        kind=request.kind,
        now=now,
    )
    return StampResult(row, replayed=False)


def _values(
    actor: Actor,
    target: StampTarget,
    request: StampRequest,
    presenters: tuple[Presenter, ...],
    now: Any,
) -> dict[str, Any]:
    presenter = presenters[0] if presenters else Presenter()
    return {
        "child_id": target.id,
        "facility_id": target.facility_id,
        "classroom_id": target.classroom_id,
        "day": local_day(now),
        "kind": request.kind.value,
        "at": now,
        "recorded_at": now,
        "method": request.method.value,
        "account_id": actor.account_id,
        "guardian_id": presenter.guardian_id,
        "pickup_person_id": presenter.pickup_person_id,
        "idempotency_key": request.idempotency_key,
    }
