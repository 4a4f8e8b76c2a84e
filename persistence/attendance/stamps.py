"""Stamps: idempotent inserts, per-day reads, scoped batch reads for loaders."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    any_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIT, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.attendance import Stamp, StampKind
from domain.roles import Actor
from persistence import driver
from persistence.driver import Statement
from persistence.models import AttendanceStampRow, ChildRow, ClassroomRow, FacilityRow
from persistence.repositories.batch import many_per_key, one_per_key
from persistence.scope import attendance_scope, child_scope

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def classroom_lock_key(classroom_id: uuid.UUID) -> int:
    """The advisory-lock key of a classroom: its first 8 bytes as a signed bigint."""
    return int.from_bytes(classroom_id.bytes[:8], "big", signed=True)


def classroom_lock_key_sql(classroom_id: Any) -> Any:
    """The same key computed by PostgreSQL from a uuid column (first 16 hex digits)."""
    hex_digits = func.translate(func.left(cast(classroom_id, String), 18), "-", "")
    return cast(cast(literal("x") + hex_digits, BIT(64)), BigInteger)


def as_stamp(row: AttendanceStampRow) -> Stamp:
    return Stamp(row.id, StampKind(row.kind), row.at, row.corrects_id, row.voided)


def as_stamps(rows: Iterable[AttendanceStampRow]) -> list[Stamp]:
    return [as_stamp(r) for r in rows]


async def lock_classroom(session: AsyncSession, classroom_id: uuid.UUID) -> None:
    """Serialise a class's attendance writes until commit.

    Check-in rules (per child) and ratio crossings (per room) read what earlier
    writers committed; without this two concurrent stamps could each miss the
    other. Taken before any stream lock, so the lock order stays acyclic.
    """
    await session.execute(_LOCK, {"key": classroom_lock_key(classroom_id)})


@dataclass(frozen=True, slots=True)
class StampTarget:
    """A child about to be stamped, with what its room's ratio depends on."""

    id: uuid.UUID
    facility_id: uuid.UUID
    classroom_id: uuid.UUID
    date_of_birth: date
    fiscal_year: int
    staff_ratios: dict[str, int] | None
    arrival_cutoff: time


def _stamp_target(actor: Actor) -> Select[Any]:
    return (
        select(
            ChildRow.id,
            ChildRow.facility_id,
            ChildRow.classroom_id,
            ChildRow.date_of_birth,
            ClassroomRow.fiscal_year,
            FacilityRow.staff_ratios,
            FacilityRow.arrival_cutoff,
            func.pg_advisory_xact_lock(classroom_lock_key_sql(ChildRow.classroom_id)),
        )
        .join(ClassroomRow, ClassroomRow.id == ChildRow.classroom_id)
        .join(FacilityRow, FacilityRow.id == ChildRow.facility_id)
        .where(ChildRow.id == bindparam("child_id"), child_scope(actor))
    )


_STAMP_TARGET = Statement.scoped("stamp_target", _stamp_target)


async def stamp_target(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID
) -> StampTarget | None:
    """The child within the actor's scope, placed in a classroom, with its classroom's
    attendance lock taken (as ``lock_classroom`` would) in the same statement."""
    rows = await driver.fetch(session, _STAMP_TARGET, {"child_id": child_id}, actor=actor)
    return StampTarget(*tuple(rows[0])[:-1]) if rows else None


async def stamp_by_key(
    session: AsyncSession, account_id: uuid.UUID, key: str
) -> AttendanceStampRow | None:
    query = select(AttendanceStampRow).where(
        AttendanceStampRow.account_id == account_id, AttendanceStampRow.idempotency_key == key
    )
    return await session.scalar(query)


_STAMP_COLUMNS = [c.name for c in AttendanceStampRow.__table__.columns]
_INSERT_STAMP = Statement.fixed(
    "insert_stamp",
    insert(AttendanceStampRow)
    .values({name: bindparam(name) for name in _STAMP_COLUMNS})
    .on_conflict_do_nothing(index_elements=["account_id", "idempotency_key"])
    .returning(*AttendanceStampRow.__table__.columns),
)


async def insert_stamp(session: AsyncSession, values: Mapping[str, Any]) -> Any | None:
    """Insert unless the account already used this idempotency key: the new row (a read
    row with the stamp's columns), or None."""
    row = {name: None for name in _STAMP_COLUMNS} | {"voided": False} | dict(values)
    row["id"] = row["id"] or uuid.uuid4()
    rows = await driver.fetch(session, _INSERT_STAMP, row)
    return rows[0] if rows else None


_DAY_OF_CLASSROOM = Statement.fixed(
    "day_of_classroom",
    select(
        AttendanceStampRow.id,
        AttendanceStampRow.child_id,
        AttendanceStampRow.kind,
        AttendanceStampRow.at,
        AttendanceStampRow.corrects_id,
        AttendanceStampRow.voided,
        ChildRow.date_of_birth,
    )
    .join(ChildRow, ChildRow.id == AttendanceStampRow.child_id)
    .where(
        AttendanceStampRow.classroom_id == bindparam("classroom_id"),
        AttendanceStampRow.day == bindparam("day"),
    ),
)


async def day_of_classroom(
    session: AsyncSession, classroom_id: uuid.UUID, day: date
) -> Sequence[Any]:
    """The class's stamps of the day, each with the child's birth date."""
    values = {"classroom_id": classroom_id, "day": day}
    return await driver.fetch(session, _DAY_OF_CLASSROOM, values)


async def stamp_by_id(session: AsyncSession, stamp_id: uuid.UUID) -> AttendanceStampRow | None:
    return await session.get(AttendanceStampRow, stamp_id)


async def stamps_of_child_day(
    session: AsyncSession, child_id: uuid.UUID, day: date
) -> Sequence[AttendanceStampRow]:
    query = select(AttendanceStampRow).where(
        AttendanceStampRow.child_id == child_id, AttendanceStampRow.day == day
    )
    return (await session.scalars(query)).all()


async def stamps_of_classroom_day(
    session: AsyncSession, classroom_id: uuid.UUID, day: date
) -> Sequence[AttendanceStampRow]:
    query = select(AttendanceStampRow).where(
        AttendanceStampRow.classroom_id == classroom_id, AttendanceStampRow.day == day
    )
    return (await session.scalars(query)).all()


async def stamps_of_children_between(
    session: AsyncSession, child_ids: Sequence[uuid.UUID], first: date, last: date
) -> Sequence[AttendanceStampRow]:
    query = select(AttendanceStampRow).where(
        AttendanceStampRow.child_id.in_(child_ids),
        AttendanceStampRow.day.between(first, last),
    )
    return (await session.scalars(query)).all()


async def is_corrected(session: AsyncSession, stamp_id: uuid.UUID) -> bool:
    query = select(func.count()).where(AttendanceStampRow.corrects_id == stamp_id)
    return bool(await session.scalar(query))


async def arrival_cutoffs_by_child_ids(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, time]:
    """Each child's facility's arrival cutoff, for children whose attendance the actor reaches."""
    rows = await session.execute(
        select(ChildRow.id, FacilityRow.arrival_cutoff)
        .join(FacilityRow, FacilityRow.id == ChildRow.facility_id)
        .where(ChildRow.id.in_(set(ids)), attendance_scope(actor))
    )
    return {child: cutoff for child, cutoff in rows}


async def attendance_child_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids among ``ids`` of children whose attendance the actor reaches."""
    query = select(ChildRow.id).where(ChildRow.id.in_(ids), attendance_scope(actor))
    return set(await session.scalars(query))


async def classroom_for_room(
    session: AsyncSession, classroom_id: uuid.UUID
) -> tuple[ClassroomRow, dict[str, int] | None, time]:
    """The classroom, its facility's ratio overrides and arrival cutoff."""
    classroom, overrides, cutoff = (
        await session.execute(
            select(ClassroomRow, FacilityRow.staff_ratios, FacilityRow.arrival_cutoff)
            .join(FacilityRow, FacilityRow.id == ClassroomRow.facility_id)
            .where(ClassroomRow.id == classroom_id)
        )
    ).one()
    return classroom, overrides, cutoff


async def births_of_classroom(
    session: AsyncSession, classroom_id: uuid.UUID
) -> list[tuple[uuid.UUID, date]]:
    """(child, date of birth) of every child on the class roster."""
    rows = await session.execute(
        select(ChildRow.id, ChildRow.date_of_birth).where(ChildRow.classroom_id == classroom_id)
    )
    return [(child, born) for child, born in rows]


# Scoped batch reads for DataLoaders.


# The single-statement ones also run on the asyncpg driver (``driver.read_batch``), so a stamp
# pushed to a class's tablets is read without a session's BEGIN/ROLLBACK. Either way
# they return read-only rows (attribute access, the stamp table's columns).
_STAMP = AttendanceStampRow.__table__


def _keys(ids: Sequence[uuid.UUID]) -> Any:
    """The batch's keys as one array parameter: the SQL is the same for any batch size."""
    return any_(bindparam("keys", list(ids), type_=ARRAY(UUID(as_uuid=True))))


def _stamps_with_child() -> Select[Any]:
    return select(_STAMP).join(ChildRow, ChildRow.id == AttendanceStampRow.child_id)


def _stamps_by_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return _stamps_with_child().where(AttendanceStampRow.id == _keys(ids), attendance_scope(actor))


def _corrections_by_stamp_ids(actor: Actor, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return _stamps_with_child().where(
        AttendanceStampRow.corrects_id == _keys(ids), attendance_scope(actor)
    )


async def stamps_by_ids(
    reader: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Any | None]:
    rows = await driver.read_batch(reader, _stamps_by_ids, actor, ids)
    return one_per_key(ids, rows, lambda r: r.id)


async def stamps_by_child_days(
    session: AsyncSession, actor: Actor, keys: Sequence[tuple[uuid.UUID, date]]
) -> list[list[AttendanceStampRow]]:
    """Every stamp of each (child, day), corrected ones included, oldest first."""
    query = (
        select(AttendanceStampRow)
        .join(ChildRow, ChildRow.id == AttendanceStampRow.child_id)
        .where(
            tuple_(AttendanceStampRow.child_id, AttendanceStampRow.day).in_(keys),
            attendance_scope(actor),
        )
        .order_by(AttendanceStampRow.recorded_at, AttendanceStampRow.id)
    )
    rows = await session.scalars(query)
    return many_per_key(keys, rows, lambda r: (r.child_id, r.day))


def _corrects(row: Any) -> uuid.UUID:
    return row.corrects_id  # type: ignore[no-any-return]  # filtered on non-null ids


async def corrections_by_stamp_ids(
    reader: driver.Reader, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Any | None]:
    """The stamp that corrected each one, if any."""
    rows = await driver.read_batch(reader, _corrections_by_stamp_ids, actor, ids)
    return one_per_key(ids, rows, _corrects)
