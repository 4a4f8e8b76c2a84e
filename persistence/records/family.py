"""Scoped, order-preserving batch reads of children, guardians and their circle.

Every function takes the actor and applies its row scope in SQL, so a loader
can never hand out a record the actor may not reach.

Reads return read-only Core rows (attribute access like the ORM rows, special-
care columns decrypted by the same column types) rather than ORM instances:
hydrating identity-mapped instances was most of a class roster's CPU time.
Code that changes records loads ORM rows itself (see ``family_write``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, Select, any_, bindparam, select, tuple_, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.roles import Actor, Role
from persistence import driver
from persistence.crypto import is_sealed_column
from persistence.models import (
    ChildRow,
    ClassroomRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
    HouseholdMemberRow,
    PickupPersonRow,
)
from persistence.repositories.batch import many_per_key, one_per_key
from persistence.scope import child_scope, classroom_scope, facility_scope, guardian_scope

# Core reads work on a session or on a bare (autocommit) connection.
Reader = AsyncSession | AsyncConnection
_NO_FAMILY_ACCESS = (Role.KIOSK, Role.REPORTER)
_CHILD_ORDER = (ChildRow.family_name_kana, ChildRow.given_name_kana, ChildRow.id)


def _sealed_raw(table: Any) -> list[Any]:
    """All columns, special-care ones as raw ciphertext (opened by the field guard)."""
    return [
        type_coerce(c, LargeBinary).label(c.name) if is_sealed_column(c) else c for c in table.c
    ]


CHILD_COLUMNS = _sealed_raw(ChildRow.__table__)
GUARDIAN_COLUMNS = _sealed_raw(GuardianRow.__table__)
GUARDIANSHIP_COLUMNS = _sealed_raw(GuardianshipRow.__table__)
CLASSROOM = ClassroomRow.__table__
FACILITY = FacilityRow.__table__


@dataclass(frozen=True, slots=True)
class GuardianLink:
    """A guardian as reached from one child: the row plus that child's guardianship."""

    guardian: Any  # GuardianRow or a read row with its columns
    link: Any | None  # GuardianshipRow or a read row with its columns


def _keys(ids: Sequence[uuid.UUID]) -> Any:
    """The batch's keys as one array parameter: the SQL is the same for any batch size."""
    return any_(bindparam("keys", list(ids), type_=ARRAY(UUID(as_uuid=True))))


def _children_by_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(*CHILD_COLUMNS).where(ChildRow.id == _keys(ids), child_scope(actor))


def _children_by_classroom_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return (
        select(*CHILD_COLUMNS)
        .where(ChildRow.classroom_id == _keys(ids), child_scope(actor))
        .order_by(*_CHILD_ORDER)
    )


def _children_by_guardian_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return (
        select(GuardianshipRow.guardian_id.label("via_guardian_id"), *CHILD_COLUMNS)
        .join(ChildRow, ChildRow.id == GuardianshipRow.child_id)
        .where(GuardianshipRow.guardian_id == _keys(ids), child_scope(actor))
        .order_by(*_CHILD_ORDER)
    )


def _guardians_by_child_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    # The two tables share no column name, so one row carries guardian and link.
    return (
        select(*GUARDIANSHIP_COLUMNS, *GUARDIAN_COLUMNS)
        .join(GuardianRow, GuardianRow.id == GuardianshipRow.guardian_id)
        .join(ChildRow, ChildRow.id == GuardianshipRow.child_id)
        .where(GuardianshipRow.child_id == _keys(ids), child_scope(actor))
        .order_by(GuardianshipRow.is_primary_contact.desc(), GuardianRow.family_name_kana)
    )


def _guardians_by_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(*GUARDIAN_COLUMNS).where(GuardianRow.id == _keys(ids), guardian_scope(actor))


def _classrooms_by_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(CLASSROOM).where(ClassroomRow.id == _keys(ids), classroom_scope(actor))


def _facilities_by_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(FACILITY).where(FacilityRow.id == _keys(ids), facility_scope(actor))


async def children_by_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Any | None]:
    rows = await driver.read_batch(session, _children_by_ids, actor, ids)
    return one_per_key(ids, rows, lambda r: r.id)


async def children_by_classroom_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[list[Any]]:
    rows = await driver.read_batch(session, _children_by_classroom_ids, actor, ids)
    return many_per_key(ids, rows, _classroom_of)


def _classroom_of(child: Any) -> uuid.UUID:
    classroom_id: uuid.UUID = child.classroom_id  # the query filtered on non-null ids
    return classroom_id


async def children_by_guardian_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[list[Any]]:
    rows = await driver.read_batch(session, _children_by_guardian_ids, actor, ids)
    return many_per_key(ids, rows, lambda r: r.via_guardian_id)


async def guardians_by_child_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[list[GuardianLink]]:
    """Guardians of children the actor reaches now (a child keyed by an old stamp or alert
    may have moved out of reach since: its guardians are not handed out then)."""
    if actor.role in _NO_FAMILY_ACCESS:
        return [[] for _ in ids]
    rows = await driver.read_batch(session, _guardians_by_child_ids, actor, ids)
    grouped = many_per_key(ids, rows, lambda r: r.child_id)
    return [[GuardianLink(row, row) for row in group] for group in grouped]


async def guardians_by_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Any | None]:
    rows = await driver.read_batch(session, _guardians_by_ids, actor, ids)
    return one_per_key(ids, rows, lambda r: r.id)


async def household_by_child_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[list[HouseholdMemberRow]]:
    if actor.role in _NO_FAMILY_ACCESS:
        return [[] for _ in ids]
    query = (
        select(HouseholdMemberRow)
        .join(ChildRow, ChildRow.id == HouseholdMemberRow.child_id)
        .where(HouseholdMemberRow.child_id.in_(ids), child_scope(actor))
    )
    return many_per_key(ids, await session.scalars(query), lambda r: r.child_id)


async def pickup_persons_by_child_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[list[PickupPersonRow]]:
    if actor.role in _NO_FAMILY_ACCESS:
        return [[] for _ in ids]
    query = (
        select(PickupPersonRow)
        .join(ChildRow, ChildRow.id == PickupPersonRow.child_id)
        .where(PickupPersonRow.child_id.in_(ids), child_scope(actor))
    )
    return many_per_key(ids, await session.scalars(query), lambda r: r.child_id)


async def classrooms_by_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Any | None]:
    rows = await driver.read_batch(session, _classrooms_by_ids, actor, ids)
    return one_per_key(ids, rows, lambda r: r.id)


async def classrooms_by_facility_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[list[ClassroomRow]]:
    query = (
        select(ClassroomRow)
        .where(ClassroomRow.facility_id.in_(ids), classroom_scope(actor))
        .order_by(ClassroomRow.fiscal_year.desc(), ClassroomRow.age_min, ClassroomRow.name)
    )
    return many_per_key(ids, await session.scalars(query), lambda r: r.facility_id)


async def facilities_by_ids(
    session: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Any | None]:
    rows = await driver.read_batch(session, _facilities_by_ids, actor, ids)
    return one_per_key(ids, rows, lambda r: r.id)


async def children_page(
    session: AsyncSession,
    actor: Actor,
    *,
    classroom_id: uuid.UUID | None,
    kana_prefix: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[ChildRow] | None:
    """One page of reachable children in kana order; ``limit + 1`` rows tell if more follow.

    ``after`` is the last child of the previous page, which must be reachable (else None):
    the cursor names only an id, and the order key is read here, in scope.
    """
    query = select(ChildRow).where(child_scope(actor))
    if classroom_id is not None:
        query = query.where(ChildRow.classroom_id == classroom_id)
    if kana_prefix:
        escaped = kana_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ChildRow.family_name_kana.like(escaped + "%"))
    if after is not None:
        last = (
            await session.execute(
                select(*_CHILD_ORDER).where(ChildRow.id == after, child_scope(actor))
            )
        ).first()
        if last is None:
            return None
        query = query.where(tuple_(*_CHILD_ORDER) > tuple_(*last))
    query = query.order_by(*_CHILD_ORDER).limit(limit + 1)
    return list(await session.scalars(query))


async def children_of_classroom(session: AsyncSession, classroom_id: uuid.UUID) -> list[ChildRow]:
    """The class roster as ORM rows, unscoped: the caller has checked the classroom is in
    scope and counts its children even for roles that may not see them one by one."""
    query = select(ChildRow).where(ChildRow.classroom_id == classroom_id).order_by(*_CHILD_ORDER)
    return list(await session.scalars(query))
