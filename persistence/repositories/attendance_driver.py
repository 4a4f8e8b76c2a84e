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
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ClauseElement, TextClause, and_, bindparam, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from domain.pickup import PickupRight, Presenter
from domain.roles import Actor
from persistence.models import (
    AttendanceStampRow,
    ChildRow,
    ClassroomRow,
    FacilityRow,
    FamilyQrTokenRow,
    GuardianshipRow,
    StaffPresenceRow,
)
from persistence.raw_reads import Record, statement_observers
from persistence.repositories import audit
from persistence.repositories.attendance import StampTarget, classroom_lock_key_sql
from persistence.repositories.audit import AuditRecord
from persistence.scope import child_scope, scope_shape, scope_values

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]
_compiled: dict[int, tuple[str, tuple[str, ...], dict[str, Any]]] = {}


def _compile(statement: ClauseElement) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """SQL, parameter order, and the values of parameters the caller does not give
    (literals inside the statement, such as the lock key's)."""
    key = id(statement)
    if key not in _compiled:
        compiled = statement.compile(dialect=_DIALECT)
        order = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]
        _compiled[key] = (compiled.string, order, dict(compiled.params))
    return _compiled[key]


async def _fetch(
    session: AsyncSession, statement: ClauseElement, values: Mapping[str, Any]
) -> list[Record]:
    sql, order, literals = _compile(statement)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    adapted: Any = raw.dbapi_connection
    if adapted is not None and adapted._transaction is None:
        # SQLAlchemy's asyncpg adapter sends BEGIN with the first statement it runs; when
        # the driver runs the first one, have the adapter begin, so it commits or rolls
        # back the transaction as its own (a no-op on an autocommit connection).
        await adapted._start_transaction()
    driver = raw.driver_connection
    if driver is None or not driver.is_in_transaction():
        raise RuntimeError("driver statements run only inside the unit of work's transaction")
    for observe in statement_observers:
        observe(sql)
    rows: list[Record] = await driver.fetch(
        sql, *(values[n] if n in values else literals[n] for n in order), record_class=Record
    )
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


def _stamp_target_query(actor: Actor) -> ClauseElement:
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


async def stamp_target(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID
) -> StampTarget | None:
    """``attendance.stamp_target`` on the driver: the child in scope, with its classroom's
    attendance lock taken in the same statement."""
    shape = scope_shape(actor)
    query = _stamp_targets.get(shape)
    if query is None:
        # Built once per scope shape; the actor's values are bound at each run.
        query = _stamp_targets[shape] = _stamp_target_query(actor)
    values = {**scope_values(actor), "child_id": child_id}
    rows = await _fetch(session, query, values)
    return StampTarget(*tuple(rows[0])[:-1]) if rows else None


_stamp_targets: dict[Hashable, ClauseElement] = {}


async def append_audit(
    session: AsyncSession,
    actor: Actor | None,
    records: list[AuditRecord],
    *,
    role: str | None = None,
) -> None:
    """``audit.append`` on the driver: the same statement, in the unit of work."""
    await _fetch(session, audit.APPEND, audit.parameters(actor, records, role=role, client=""))


_STAFF_PRESENT = select(func.count()).where(
    StaffPresenceRow.classroom_id == bindparam("classroom_id"),
    StaffPresenceRow.day == bindparam("day"),
    StaffPresenceRow.clocked_out_at.is_(None),
)


async def staff_present_count(session: AsyncSession, classroom_id: uuid.UUID, day: Any) -> int:
    """``staff_presence.staff_present_count`` on the driver: staff clocked in to the class."""
    rows = await _fetch(session, _STAFF_PRESENT, {"classroom_id": classroom_id, "day": day})
    return int(rows[0][0] or 0)


# Both stream heads move in one statement, in the order given (the fixed lock order of
# streams), and the events go in with the seqs they got and the transaction's now().
_APPEND_EVENTS: TextClause = text(
    """
    WITH heads AS (
        INSERT INTO stream_head (stream, seq)
        SELECT s.stream, 1 FROM unnest(CAST(:streams AS varchar[])) WITH ORDINALITY
             AS s(stream, n) ORDER BY s.n
        ON CONFLICT (stream) DO UPDATE SET seq = stream_head.seq + 1
        RETURNING stream, seq
    )
    INSERT INTO stream_event (stream, seq, kind, subject_id, payload, created_at)
    SELECT heads.stream, heads.seq, :kind, :subject_id, CAST(:payload AS jsonb), now()
      FROM heads
    RETURNING stream, seq, created_at
    """
).bindparams(bindparam("subject_id", type_=postgresql.UUID(as_uuid=True)))


async def append_events(
    session: AsyncSession,
    streams: list[str],
    *,
    kind: str,
    subject_id: uuid.UUID | None,
    payload: str,
) -> dict[str, tuple[int, datetime]]:
    """One event on each of ``streams`` (JSON ``payload``): each stream's seq and created_at."""
    values = {"streams": streams, "kind": kind, "subject_id": subject_id, "payload": payload}
    rows = await _fetch(session, _APPEND_EVENTS, values)
    return {row["stream"]: (int(row["seq"]), row["created_at"]) for row in rows}
