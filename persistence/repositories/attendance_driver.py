"""The stamp's hot statements, run on the asyncpg driver inside the session's transaction.

A stamp is the morning rush's unit of work, and SQLAlchemy's execution path
costs about 1 ms of CPU more per statement than asyncpg itself on this
machine. The statements are still built with SQLAlchemy (one definition of
tables and columns), compiled once, and run on the very connection of the
unit of work, so they commit or roll back with it. They refuse to run before
that transaction has begun: on a connection outside a transaction each would
commit on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ClauseElement, and_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from domain.pickup import PickupRight, Presenter
from persistence.models import (
    AttendanceStampRow,
    ChildRow,
    FamilyQrTokenRow,
    GuardianshipRow,
)
from persistence.raw_reads import Record, statement_observers

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]
_compiled: dict[int, tuple[str, tuple[str, ...]]] = {}


def _compile(statement: ClauseElement) -> tuple[str, tuple[str, ...]]:
    key = id(statement)
    if key not in _compiled:
        compiled = statement.compile(dialect=_DIALECT)
        _compiled[key] = (compiled.string, tuple(compiled.positiontup or ()))  # type: ignore[attr-defined]
    return _compiled[key]


async def _fetch(
    session: AsyncSession, statement: ClauseElement, values: Mapping[str, Any]
) -> list[Record]:
    sql, order = _compile(statement)
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None or not driver.is_in_transaction():
        raise RuntimeError("driver statements run only inside the unit of work's transaction")
    for observe in statement_observers:
        observe(sql)
    rows: list[Record] = await driver.fetch(sql, *(values[n] for n in order), record_class=Record)
    return rows


_QR_HOLDER = (
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
    )
)


async def qr_holder_and_right(
    session: AsyncSession, token_hash: str, child_id: uuid.UUID
) -> tuple[Presenter, PickupRight | None] | None:
    """The guardian a live QR code speaks for and their rights to this child; None for an
    unknown or revoked code."""
    rows = await _fetch(session, _QR_HOLDER, {"token_hash": token_hash, "child_id": child_id})
    if not rows:
        return None
    row = rows[0]
    right = (
        PickupRight(is_guardian=True, may_pick_up=row.may_pick_up, restricted=row.pickup_restricted)
        if row.child_id is not None
        else None
    )
    return Presenter(guardian_id=row.guardian_id), right


_DAY_OF_CLASSROOM = (
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
    )
)


async def day_of_classroom(
    session: AsyncSession, classroom_id: uuid.UUID, day: Any
) -> list[Record]:
    """The class's stamps of the day, each with the child's birth date."""
    return await _fetch(session, _DAY_OF_CLASSROOM, {"classroom_id": classroom_id, "day": day})


_STAMP_COLUMNS = [c.name for c in AttendanceStampRow.__table__.columns]
_INSERT_STAMP = (
    postgresql.insert(AttendanceStampRow)
    .values({name: bindparam(name) for name in _STAMP_COLUMNS})
    .on_conflict_do_nothing(index_elements=["account_id", "idempotency_key"])
    .returning(*AttendanceStampRow.__table__.columns)
)


async def insert_stamp(session: AsyncSession, values: Mapping[str, Any]) -> Record | None:
    """Insert unless the account already used this idempotency key: the new row, or None."""
    row = {name: None for name in _STAMP_COLUMNS} | {"voided": False} | dict(values)
    row["id"] = row["id"] or uuid.uuid4()
    rows = await _fetch(session, _INSERT_STAMP, row)
    return rows[0] if rows else None
