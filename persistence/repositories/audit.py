"""Writing and reading the append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.roles import Actor, Role
from persistence.models import AuditEntryRow

AUDIT_LOG: Table = AuditEntryRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    action: str
    item: str
    entity: str
    record_id: uuid.UUID | None
    facility_id: uuid.UUID | None = None


async def append(
    session: AsyncSession | AsyncConnection,
    actor: Actor | None,
    records: Iterable[AuditRecord],
    *,
    role: str | None = None,
    client: str = "",
) -> None:
    """Append entries in one statement; the caller's transaction commits them."""
    values = [
        {
            "account_id": actor.account_id if actor else None,
            "role": role or (actor.role.value if actor else "anonymous"),
            "action": r.action,
            "item": r.item,
            "entity": r.entity,
            "record_id": r.record_id,
            "facility_id": r.facility_id or (actor.facility_id if actor else None),
            "client": (client or (actor.client if actor else ""))[:200],
        }
        for r in records
    ]
    if values:
        # One multi-row INSERT (not executemany, not the ORM bulk path): one round trip.
        await session.execute(insert(AUDIT_LOG).values(values))


async def entries_page(
    session: AsyncSession,
    actor: Actor,
    *,
    record_id: uuid.UUID | None,
    before_seq: int | None,
    limit: int,
) -> list[AuditEntryRow]:
    """Newest first; ward admins see all, directors their facility, others nothing."""
    query = select(AuditEntryRow)
    if actor.role is Role.DIRECTOR:
        query = query.where(AuditEntryRow.facility_id == actor.facility_id)
    elif actor.role is not Role.WARD_ADMIN:
        return []
    if record_id is not None:
        query = query.where(AuditEntryRow.record_id == record_id)
    if before_seq is not None:
        query = query.where(AuditEntryRow.seq < before_seq)
    query = query.order_by(AuditEntryRow.seq.desc()).limit(limit + 1)
    return list(await session.scalars(query))
