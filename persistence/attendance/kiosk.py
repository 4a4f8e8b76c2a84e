"""Entrance-tablet credentials (family QR tokens, adults' PINs) and pick-up rights."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.pickup import PickupRight, Presenter
from domain.roles import Actor, Role
from persistence import driver
from persistence.driver import Statement
from persistence.models import (
    ChildRow,
    FamilyQrTokenRow,
    GuardianshipRow,
    KioskPinRow,
    PickupPersonRow,
)
from persistence.repositories.batch import one_per_key
from persistence.scope import child_scope

_NO_FAMILY_ACCESS = (Role.KIOSK, Role.REPORTER)


@dataclass(frozen=True, slots=True)
class PinHolder:
    presenter: Presenter
    pin_hash: str


_QR_HOLDER = Statement.fixed(
    "qr_holder_and_right",
    select(
        FamilyQrTokenRow.guardian_id,
        GuardianshipRow.child_id,
        GuardianshipRow.may_pick_up,
        GuardianshipRow.pickup_restricted,
    )
    .outerjoin(
        GuardianshipRow,
        and_(
            GuardianshipRow.guardian_id == FamilyQrTokenRow.guardian_id,
            GuardianshipRow.child_id == bindparam("child_id"),
        ),
    )
    .where(
        FamilyQrTokenRow.token_hash == bindparam("token_hash"),
        FamilyQrTokenRow.revoked_at.is_(None),
    ),
)


async def qr_holder_and_right(
    session: AsyncSession, token_hash: str, child_id: uuid.UUID
) -> tuple[Presenter, PickupRight | None] | None:
    """The guardian a live QR code speaks for and their rights to this child; None for an
    unknown or revoked code."""
    values = {"token_hash": token_hash, "child_id": child_id}
    rows = await driver.fetch(session, _QR_HOLDER, values)
    if not rows:
        return None
    row = rows[0]
    right = (
        PickupRight(is_guardian=True, may_pick_up=row.may_pick_up, restricted=row.pickup_restricted)
        if row.child_id is not None
        else None
    )
    return Presenter(guardian_id=row.guardian_id), right


async def replace_qr_token(
    session: AsyncSession,
    guardian_id: uuid.UUID,
    *,
    token_hash: str,
    issued_by: uuid.UUID,
    now: datetime,
) -> uuid.UUID:
    """Revoke the family's current token and store the new one's digest."""
    await session.execute(
        update(FamilyQrTokenRow)
        .where(FamilyQrTokenRow.guardian_id == guardian_id, FamilyQrTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    row = FamilyQrTokenRow(
        guardian_id=guardian_id, token_hash=token_hash, issued_by=issued_by, issued_at=now
    )
    session.add(row)
    await session.flush()
    return row.id


async def pin_holders_of_child(session: AsyncSession, child_id: uuid.UUID) -> list[PinHolder]:
    """Every adult of the child who has a PIN: guardians and authorised pick-up persons."""
    guardians = (
        select(KioskPinRow.guardian_id, KioskPinRow.pin_hash)
        .join(GuardianshipRow, GuardianshipRow.guardian_id == KioskPinRow.guardian_id)
        .where(GuardianshipRow.child_id == child_id)
    )
    persons = (
        select(KioskPinRow.pickup_person_id, KioskPinRow.pin_hash)
        .join(PickupPersonRow, PickupPersonRow.id == KioskPinRow.pickup_person_id)
        .where(PickupPersonRow.child_id == child_id)
    )
    holders = [PinHolder(Presenter(guardian_id=g), h) for g, h in await session.execute(guardians)]
    holders += [
        PinHolder(Presenter(pickup_person_id=p), h) for p, h in await session.execute(persons)
    ]
    return holders


async def store_pin(
    session: AsyncSession, presenter: Presenter, *, pin_hash: str, now: datetime
) -> None:
    column = "guardian_id" if presenter.guardian_id else "pickup_person_id"
    statement = (
        insert(KioskPinRow)
        .values(
            id=uuid.uuid4(),
            guardian_id=presenter.guardian_id,
            pickup_person_id=presenter.pickup_person_id,
            pin_hash=pin_hash,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=[column], set_={"pin_hash": pin_hash, "updated_at": now}
        )
    )
    await session.execute(statement)


async def pickup_right(
    session: AsyncSession, child_id: uuid.UUID, presenter: Presenter
) -> PickupRight | None:
    """What the records say about this adult and this child; None if unrelated."""
    if presenter.guardian_id is not None:
        link = await session.get(GuardianshipRow, (child_id, presenter.guardian_id))
        if link is None:
            return None
        return PickupRight(
            is_guardian=True, may_pick_up=link.may_pick_up, restricted=link.pickup_restricted
        )
    if presenter.pickup_person_id is not None:
        person = await session.get(PickupPersonRow, presenter.pickup_person_id)
        if person is not None and person.child_id == child_id:
            return PickupRight(is_pickup_person=True)
    return None


async def pickup_person_in_scope(
    session: AsyncSession, actor: Actor, pickup_person_id: uuid.UUID
) -> PickupPersonRow | None:
    if actor.role in _NO_FAMILY_ACCESS:
        return None
    query = (
        select(PickupPersonRow)
        .join(ChildRow, ChildRow.id == PickupPersonRow.child_id)
        .where(PickupPersonRow.id == pickup_person_id, child_scope(actor))
    )
    return await session.scalar(query)


async def pickup_persons_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[PickupPersonRow | None]:
    if actor.role in _NO_FAMILY_ACCESS:
        return [None for _ in ids]
    query = (
        select(PickupPersonRow)
        .join(ChildRow, ChildRow.id == PickupPersonRow.child_id)
        .where(PickupPersonRow.id.in_(ids), child_scope(actor))
    )
    return one_per_key(ids, await session.scalars(query), lambda r: r.id)
