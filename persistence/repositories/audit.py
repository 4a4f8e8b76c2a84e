"""Writing and reading the append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from domain.roles import Actor, Role
from persistence import driver
from persistence.driver import Statement
from persistence.models import AuditEntryRow


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry. ``facility_id`` is the record's facility when the caller knows it (a
    deleted row's, say); otherwise the insert derives it from the record itself.
    ``via_child_id``: for a guardian, the child they were reached through."""

    action: str
    item: str
    entity: str
    record_id: uuid.UUID | None
    facility_id: uuid.UUID | None = None
    via_child_id: uuid.UUID | None = None


def _linked_child_facility(guardian_id: str) -> str:
    """SQL: the facility of one of the guardian's children, the actor's own first."""
    return f"""(SELECT c.facility_id FROM guardianship g JOIN child c ON c.id = g.child_id
          WHERE g.guardian_id = {guardian_id}
          ORDER BY c.facility_id IS DISTINCT FROM :actor_facility_id, c.facility_id
          LIMIT 1)"""


_QR_TOKEN_HOLDER = "(SELECT t.guardian_id FROM family_qr_token t WHERE t.id = e.record_id)"

# The facility an entry belongs to is the facility of the record read or written, never
# the reader's: a director sees every access to their facility's records (a guardian's or
# the ward admin's included) and nothing about another facility's. A guardian belongs to
# the facility of the child they were reached through, else of a linked child. Derived
# inside the insert: no extra round trip.
_RECORD_FACILITY = f"""
    CASE e.entity
    WHEN 'child' THEN (SELECT c.facility_id FROM child c WHERE c.id = e.record_id)
    WHEN 'guardianship' THEN (SELECT c.facility_id FROM child c WHERE c.id = e.record_id)
    WHEN 'guardian' THEN coalesce(
        (SELECT c.facility_id FROM child c WHERE c.id = e.via_child_id),
        {_linked_child_facility("e.record_id")})
    WHEN 'family_qr_token' THEN {_linked_child_facility(_QR_TOKEN_HOLDER)}
    WHEN 'household_member' THEN (SELECT c.facility_id FROM household_member m
        JOIN child c ON c.id = m.child_id WHERE m.id = e.record_id)
    WHEN 'pickup_person' THEN (SELECT c.facility_id FROM pickup_person p
        JOIN child c ON c.id = p.child_id WHERE p.id = e.record_id)
    WHEN 'classroom' THEN (SELECT r.facility_id FROM classroom r WHERE r.id = e.record_id)
    WHEN 'attendance_stamp' THEN
        (SELECT s.facility_id FROM attendance_stamp s WHERE s.id = e.record_id)
    WHEN 'attendance_notice' THEN
        (SELECT n.facility_id FROM attendance_notice n WHERE n.id = e.record_id)
    WHEN 'attendance_alert' THEN
        (SELECT a.facility_id FROM attendance_alert a WHERE a.id = e.record_id)
    WHEN 'staff_presence' THEN
        (SELECT p.facility_id FROM staff_presence p WHERE p.id = e.record_id)
    WHEN 'account' THEN (SELECT a.facility_id FROM account a WHERE a.id = e.record_id)
    END
"""

# One statement of constant shape whatever the number of entries, so it is
# compiled once and cached; a multi-row VALUES list would be compiled anew for
# every size (that compile was most of a roster request's audit cost).
_APPEND_SQL = text(
    f"""
    INSERT INTO audit_log (account_id, role, action, item, entity, record_id, facility_id, client)
    SELECT :account_id, :role, e.action, e.item, e.entity, e.record_id,
           coalesce(e.facility_id, {_RECORD_FACILITY}), :client
      FROM unnest(:actions, :items, :entities, :record_ids, :facility_ids, :via_child_ids)
           AS e(action, item, entity, record_id, facility_id, via_child_id)
    """
).bindparams(
    bindparam("account_id", type_=UUID(as_uuid=True)),
    bindparam("actor_facility_id", type_=UUID(as_uuid=True)),
    bindparam("actions", type_=ARRAY(String)),
    bindparam("items", type_=ARRAY(String)),
    bindparam("entities", type_=ARRAY(String)),
    bindparam("record_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("facility_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("via_child_ids", type_=ARRAY(UUID(as_uuid=True))),
)


_APPEND = Statement.fixed("audit.append", _APPEND_SQL)


async def append(
    db: driver.Db,
    actor: Actor | None,
    records: Iterable[AuditRecord],
    *,
    role: str | None = None,
    client: str = "",
) -> None:
    """Append entries in one statement, on the driver path.

    On a session or connection the caller's transaction commits them; on the
    autocommit engine (the audit rows of reads, written after every query that
    read a special-care item) the single INSERT needs no transaction around it.
    """
    entries = list(records)
    if entries:
        await driver.fetch(db, _APPEND, _parameters(actor, entries, role=role, client=client))


def _parameters(
    actor: Actor | None, entries: list[AuditRecord], *, role: str | None, client: str
) -> dict[str, Any]:
    """The values of ``_APPEND`` for these entries."""
    return {
        "account_id": actor.account_id if actor else None,
        "actor_facility_id": actor.facility_id if actor else None,
        "role": role or (actor.role.value if actor else "anonymous"),
        "client": (client or (actor.client if actor else ""))[:200],
        "actions": [e.action for e in entries],
        "items": [e.item for e in entries],
        "entities": [e.entity for e in entries],
        "record_ids": [e.record_id for e in entries],
        "facility_ids": [e.facility_id for e in entries],
        "via_child_ids": [e.via_child_id for e in entries],
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
