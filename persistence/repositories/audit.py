"""Writing and reading the append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from domain.roles import Actor, Role
from persistence.models import AuditEntryRow
from persistence.raw_reads import on_driver


@dataclass(frozen=True, slots=True)
class AuditRecord:
    action: str
    item: str
    entity: str
    record_id: uuid.UUID | None
    facility_id: uuid.UUID | None = None


# One statement of constant shape whatever the number of entries, so it is
# compiled once and cached; a multi-row VALUES list would be compiled anew for
# every size (that compile was most of a roster request's audit cost).
_APPEND = text(
    """
    INSERT INTO audit_log (account_id, role, action, item, entity, record_id, facility_id, client)
    SELECT :account_id, :role, e.action, e.item, e.entity, e.record_id, e.facility_id, :client
      FROM unnest(:actions, :items, :entities, :record_ids, :facility_ids)
           AS e(action, item, entity, record_id, facility_id)
    """
).bindparams(
    bindparam("account_id", type_=UUID(as_uuid=True)),
    bindparam("actions", type_=ARRAY(String)),
    bindparam("items", type_=ARRAY(String)),
    bindparam("entities", type_=ARRAY(String)),
    bindparam("record_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("facility_ids", type_=ARRAY(UUID(as_uuid=True))),
)


async def append(
    session: AsyncSession | AsyncConnection,
    actor: Actor | None,
    records: Iterable[AuditRecord],
    *,
    role: str | None = None,
    client: str = "",
) -> None:
    """Append entries in one statement; the caller's transaction commits them."""
    entries = list(records)
    if entries:
        await session.execute(_APPEND, _values(actor, entries, role=role, client=client))


async def append_on_driver(
    engine: AsyncEngine, actor: Actor | None, records: Iterable[AuditRecord]
) -> None:
    """``append`` in autocommit on the asyncpg driver: the same statement, compiled once.

    Used for the audit rows of reads, written after every query that read a
    special-care item; a single INSERT needs no surrounding transaction.
    """
    entries = list(records)
    if not entries:
        return
    global _compiled_append
    if _compiled_append is None:
        compiled = _APPEND.compile(dialect=engine.dialect)
        _compiled_append = (compiled.string, tuple(compiled.positiontup or ()))
    sql, order = _compiled_append
    values = _values(actor, entries, role=None, client="")
    await on_driver(engine, sql, [values[name] for name in order], fetch=False)


_compiled_append: tuple[str, tuple[str, ...]] | None = None


def _values(
    actor: Actor | None, entries: list[AuditRecord], *, role: str | None, client: str
) -> dict[str, Any]:
    default_facility = actor.facility_id if actor else None
    return {
        "account_id": actor.account_id if actor else None,
        "role": role or (actor.role.value if actor else "anonymous"),
        "client": (client or (actor.client if actor else ""))[:200],
        "actions": [e.action for e in entries],
        "items": [e.item for e in entries],
        "entities": [e.entity for e in entries],
        "record_ids": [e.record_id for e in entries],
        "facility_ids": [e.facility_id or default_facility for e in entries],
    }


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
