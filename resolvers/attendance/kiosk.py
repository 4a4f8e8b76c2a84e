"""The entrance tablet: stamping by family QR code or an adult's PIN, and issuing both.

Wrong PINs are counted per PIN pad: one kiosk account's pad for one child. After
``login_max_failures`` in a row that pad locks for ``login_lock_minutes``
(RATE_LIMITED) whatever PIN is typed, and the answer never says whose PIN was
tried or whether any matched; a correct PIN resets the count. The count lives in
its own table, so sign-in attempts cannot touch it and one tablet's typos never
lock another tablet. Guessing stays slow: a pad allows that many wrong PINs per
lock period, and only signed-in kiosk accounts have pads.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.attendance import StampKind, StampMethod
from domain.attendance_policy import (
    can_issue_qr_token,
    can_set_guardian_pin,
    can_set_pickup_person_pin,
    can_stamp_with_credential,
)
from domain.errors import Forbidden, InvalidInput, NotFound, RateLimited
from domain.pickup import Presenter, validated_pin
from domain.roles import Actor
from hoiku.security import digest, hash_password, new_opaque_token, verify_password
from persistence.accounts import throttle
from persistence.attendance import kiosk
from persistence.models import PinPadThrottleRow
from persistence.records import family
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.stamps import StampRequest, StampResult, idempotency_key, record_stamp
from resolvers.services import Services
from resolvers.unit_of_work import unit_of_work

MAX_TOKEN = 200


@dataclass
class QrTokenIssued:
    token: str
    guardian_id: uuid.UUID
    issued_at: datetime


async def kiosk_stamp(
    services: Services,
    actor: Actor,
    *,
    child_id: uuid.UUID,
    kind: StampKind,
    qr_token: str | None,
    pin: str | None,
    key: str | None,
) -> StampResult:
    if not can_stamp_with_credential(actor):
        raise Forbidden("Only the entrance tablet stamps with a QR code or PIN")
    key = idempotency_key(key)
    if (qr_token is None) == (pin is None):
        raise InvalidInput("Give either qrToken or pin", field="qrToken")
    if qr_token is not None:
        request = StampRequest(
            child_id, kind, StampMethod.KIOSK_QR, key, qr_token_hash=digest(qr_token[:MAX_TOKEN])
        )
    else:
        presenters = await _pin_presenters(services, actor, child_id, validated_pin(pin or ""))
        request = StampRequest(child_id, kind, StampMethod.KIOSK_PIN, key, presenters)
    return await record_stamp(services, actor, request)


def _pad(actor: Actor, child_id: uuid.UUID) -> dict[str, uuid.UUID]:
    return {"kiosk_account_id": actor.account_id, "child_id": child_id}


async def _pin_presenters(
    services: Services, actor: Actor, child_id: uuid.UUID, pin: str
) -> tuple[Presenter, ...]:
    """Every adult of the child whose PIN this is (fail closed if several match)."""
    now = services.clock()
    async with services.sessions() as session:
        (child,) = await family.children_by_ids(session, actor, [child_id])
        if child is None:
            raise NotFound("No such child")
        locked_until = await throttle.locked_until(
            session, PinPadThrottleRow, _pad(actor, child_id)
        )
        if locked_until is not None and locked_until > now:
            raise RateLimited("Too many wrong PINs; please ask a member of staff")
        holders = await kiosk.pin_holders_of_child(session, child_id)
    checks = [asyncio.to_thread(verify_password, h.pin_hash, pin) for h in holders]
    results = await asyncio.gather(*checks) if checks else [verify_password(None, pin)]
    matches = tuple(h.presenter for h, ok in zip(holders, results, strict=False) if ok)
    async with services.sessions.begin() as session:
        if not matches:
            await throttle.count_failure(
                session,
                PinPadThrottleRow,
                _pad(actor, child_id),
                now=now,
                max_failures=services.login_max_failures,
                lock=timedelta(minutes=services.login_lock_minutes),
            )
        else:
            await throttle.clear(session, PinPadThrottleRow, _pad(actor, child_id))
    if not matches:
        raise InvalidInput("This PIN is not correct", field="pin")
    return matches


async def issue_family_qr_token(
    services: Services, actor: Actor, guardian_id: uuid.UUID
) -> QrTokenIssued:
    """A new printable token for the guardian's family; the previous one stops working."""
    if not can_issue_qr_token(actor):
        raise Forbidden("Not permitted to issue QR codes")
    token, hashed = new_opaque_token()
    now = services.clock()
    async with unit_of_work(services) as uow:
        (guardian,) = await family.guardians_by_ids(uow.session, actor, [guardian_id])
        if guardian is None:
            raise NotFound("No such guardian")
        token_id = await kiosk.replace_qr_token(
            uow.session, guardian_id, token_hash=hashed, issued_by=actor.account_id, now=now
        )
        # The entity names the record written, the token: its facility is its guardian's.
        record = AuditRecord("create", "family_qr_token", "family_qr_token", token_id)
        await audit.append(uow.session, actor, [record])
    return QrTokenIssued(token, guardian_id, now)


async def set_pin(
    services: Services,
    actor: Actor,
    *,
    pin: str,
    guardian_id: uuid.UUID | None,
    pickup_person_id: uuid.UUID | None,
) -> bool:
    """Set a guardian's own PIN (default: the signed-in guardian) or a pick-up person's."""
    if guardian_id is not None and pickup_person_id is not None:
        raise InvalidInput("Give guardianId or pickupPersonId, not both", field="pickupPersonId")
    pin = validated_pin(pin)
    pin_hash = await asyncio.to_thread(hash_password, pin)
    async with unit_of_work(services) as uow:
        if pickup_person_id is not None:
            presenter = await _pickup_person(uow.session, actor, pickup_person_id)
        else:
            presenter = await _guardian(uow.session, actor, guardian_id or actor.guardian_id)
        await kiosk.store_pin(uow.session, presenter, pin_hash=pin_hash, now=services.clock())
        entity = "guardian" if presenter.guardian_id else "pickup_person"
        record = presenter.guardian_id or presenter.pickup_person_id
        await audit.append(uow.session, actor, [AuditRecord("update", "kiosk_pin", entity, record)])
    return True


async def _guardian(session, actor: Actor, guardian_id: uuid.UUID | None) -> Presenter:  # type: ignore[no-untyped-def]
    if guardian_id is None:
        raise InvalidInput("guardianId is required for staff", field="guardianId")
    if not can_set_guardian_pin(actor, is_self=guardian_id == actor.guardian_id):
        raise Forbidden("Not permitted to set this PIN")
    (guardian,) = await family.guardians_by_ids(session, actor, [guardian_id])
    if guardian is None:
        raise NotFound("No such guardian")
    return Presenter(guardian_id=guardian_id)


async def _pickup_person(session, actor: Actor, person_id: uuid.UUID) -> Presenter:  # type: ignore[no-untyped-def]
    if not can_set_pickup_person_pin(actor):
        raise Forbidden("Not permitted to set this PIN")
    if await kiosk.pickup_person_in_scope(session, actor, person_id) is None:
        raise NotFound("No such pick-up person")
    return Presenter(pickup_person_id=person_id)
