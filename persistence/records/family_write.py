"""Writes to children, guardians and their circle, inside the caller's unit of work.

Every lookup takes the actor and applies its row scope in SQL, and locks the row
it returns: a record outside the scope comes back ``None``, exactly as a missing
one, so the caller answers NOT_FOUND either way. Nothing here commits.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.roles import Actor
from persistence.models import (
    ChildRow,
    ClassroomRow,
    EnrolmentRow,
    GuardianRow,
    GuardianshipRow,
    HouseholdMemberRow,
    PickupPersonRow,
)
from persistence.scope import child_scope, classroom_scope, guardian_scope


async def child_for_update(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID
) -> ChildRow | None:
    query = select(ChildRow).where(ChildRow.id == child_id, child_scope(actor))
    return await session.scalar(query.with_for_update())


async def classroom_for_write(
    session: AsyncSession, actor: Actor, classroom_id: uuid.UUID
) -> ClassroomRow | None:
    """A classroom the actor may place children in: a director's own facility's."""
    query = select(ClassroomRow).where(ClassroomRow.id == classroom_id, classroom_scope(actor))
    return await session.scalar(query)


async def guardian_for_update(
    session: AsyncSession, actor: Actor, guardian_id: uuid.UUID
) -> GuardianRow | None:
    query = select(GuardianRow).where(GuardianRow.id == guardian_id, guardian_scope(actor))
    return await session.scalar(query.with_for_update())


async def guardianship_for_update(
    session: AsyncSession, *, child_id: uuid.UUID, guardian_id: uuid.UUID
) -> GuardianshipRow | None:
    """The link between a child and a guardian the caller has already reached."""
    query = select(GuardianshipRow).where(
        GuardianshipRow.child_id == child_id, GuardianshipRow.guardian_id == guardian_id
    )
    return await session.scalar(query.with_for_update())


async def make_sole_primary_contact(
    session: AsyncSession, *, child_id: uuid.UUID, guardian_id: uuid.UUID
) -> None:
    """A child has one guardian the facility calls first; the others step back."""
    await session.execute(
        update(GuardianshipRow)
        .where(GuardianshipRow.child_id == child_id, GuardianshipRow.guardian_id != guardian_id)
        .values(is_primary_contact=False)
    )


async def household_member_for_update(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID
) -> tuple[HouseholdMemberRow, ChildRow] | None:
    query = (
        select(HouseholdMemberRow, ChildRow)
        .join(ChildRow, ChildRow.id == HouseholdMemberRow.child_id)
        .where(HouseholdMemberRow.id == member_id, child_scope(actor))
    )
    row = (await session.execute(query.with_for_update(of=HouseholdMemberRow))).first()
    return (row[0], row[1]) if row else None


async def pickup_person_for_update(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID
) -> tuple[PickupPersonRow, ChildRow] | None:
    query = (
        select(PickupPersonRow, ChildRow)
        .join(ChildRow, ChildRow.id == PickupPersonRow.child_id)
        .where(PickupPersonRow.id == person_id, child_scope(actor))
    )
    row = (await session.execute(query.with_for_update(of=PickupPersonRow))).first()
    return (row[0], row[1]) if row else None


async def enrol(
    session: AsyncSession, *, child: ChildRow, classroom: ClassroomRow, start: date
) -> None:
    """Record the child's class for the classroom's fiscal year; a move replaces it."""
    statement = (
        insert(EnrolmentRow)
        .values(
            id=uuid.uuid4(),
            child_id=child.id,
            classroom_id=classroom.id,
            fiscal_year=classroom.fiscal_year,
            start_date=start,
        )
        .on_conflict_do_update(
            index_elements=[EnrolmentRow.child_id, EnrolmentRow.fiscal_year],
            set_={"classroom_id": classroom.id},
        )
    )
    await session.execute(statement)


async def insert_rows(session: AsyncSession, *rows: object) -> None:
    """Add new rows and send them now, so a failing constraint fails this write."""
    session.add_all(rows)
    await session.flush()


async def delete_row(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()
