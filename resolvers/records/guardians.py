"""Staff writes to the people around a child: guardians and their links to the
child, household members and authorised pick-up persons.

Same shape as ``resolvers.records.children``: the fields sent decide the item
classes, the policy decides on those classes, then one unit of work loads within
the writer's scope, writes, and appends the audit entries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidInput, NotFound
from domain.policy import ItemClass
from domain.roles import Actor
from persistence.db import Session
from persistence.models import ChildRow, GuardianRow, GuardianshipRow
from persistence.records import family_write
from persistence.records.family import GuardianLink
from persistence.repositories import audit
from resolvers.ids import parse_id
from resolvers.records.children import apply, ward_today
from resolvers.records.field_rules import (
    GUARDIAN_FIELDS,
    LINK_FIELDS,
    audit_records,
    cleaned,
    require_changes,
    require_writable,
    touched,
)
from resolvers.services import Services
from resolvers.unit_of_work import unit_of_work

if TYPE_CHECKING:  # type-only: at runtime the schema imports the resolvers, not back
    from schema.records.inputs import (
        CreateGuardianInput,
        LinkGuardianInput,
        UnlinkGuardianInput,
        UpdateGuardianInput,
    )

C = ItemClass


@dataclass
class GuardianWritten:
    guardian: GuardianLink
    child: ChildRow | None = None


@dataclass
class LinkRemoved:
    child: ChildRow


async def child_in_scope(session: Session, actor: Actor, child_id: uuid.UUID) -> ChildRow:
    child = await family_write.child_for_update(session, actor, child_id)
    if child is None:
        raise NotFound("No such child", field="childId")
    return child


async def create_guardian(
    services: Services, actor: Actor, input: CreateGuardianInput
) -> GuardianWritten:
    child_id = parse_id(input.child_id, field="childId")
    item_classes = touched(input, GUARDIAN_FIELDS) | touched(input, LINK_FIELDS)
    require_writable(actor, item_classes)
    today = ward_today(services)
    values = cleaned(input, GUARDIAN_FIELDS, today=today)
    link_values = cleaned(input, LINK_FIELDS, today=today)
    async with unit_of_work(services) as uow:
        session = uow.session
        child = await child_in_scope(session, actor, child_id)
        guardian = GuardianRow(id=uuid.uuid4(), **values)
        await family_write.insert_rows(session, guardian)
        link = await _link(session, child, guardian, GuardianshipRow(**link_values))
        records = audit_records("create", "guardian", guardian.id, child.facility_id, item_classes)
        await audit.append(session, actor, records)
    return GuardianWritten(GuardianLink(guardian, link), child)


async def update_guardian(
    services: Services, actor: Actor, input: UpdateGuardianInput
) -> GuardianWritten:
    guardian_id = parse_id(input.id)
    item_classes = touched(input, GUARDIAN_FIELDS)
    require_changes(item_classes)
    require_writable(actor, item_classes)
    values = cleaned(input, GUARDIAN_FIELDS, today=ward_today(services))
    async with unit_of_work(services) as uow:
        session = uow.session
        guardian = await family_write.guardian_for_update(session, actor, guardian_id)
        if guardian is None:
            raise NotFound("No such guardian")
        apply(guardian, values)
        # The audit insert places the entry at a linked child's facility.
        records = audit_records("update", "guardian", guardian.id, None, item_classes)
        await audit.append(session, actor, records)
    return GuardianWritten(GuardianLink(guardian, None))


async def link_guardian(
    services: Services, actor: Actor, input: LinkGuardianInput
) -> GuardianWritten:
    child_id = parse_id(input.child_id, field="childId")
    guardian_id = parse_id(input.guardian_id, field="guardianId")
    item_classes = touched(input, LINK_FIELDS)
    require_changes(item_classes)
    require_writable(actor, item_classes)
    values = cleaned(input, LINK_FIELDS, today=ward_today(services))
    async with unit_of_work(services) as uow:
        session = uow.session
        child = await child_in_scope(session, actor, child_id)
        guardian = await family_write.guardian_for_update(session, actor, guardian_id)
        if guardian is None:
            raise NotFound("No such guardian", field="guardianId")
        link = await family_write.guardianship_for_update(
            session, child_id=child.id, guardian_id=guardian.id
        )
        action = "update" if link else "create"
        if link is None:
            _require_relationship(values)
            link = GuardianshipRow(is_primary_contact=False, may_pick_up=True)
        apply(link, _restriction_settled(link, values))
        link = await _link(session, child, guardian, link)
        records = audit_records(action, "guardianship", child.id, child.facility_id, item_classes)
        await audit.append(session, actor, records)
    return GuardianWritten(GuardianLink(guardian, link), child)


async def unlink_guardian(
    services: Services, actor: Actor, input: UnlinkGuardianInput
) -> LinkRemoved:
    child_id = parse_id(input.child_id, field="childId")
    guardian_id = parse_id(input.guardian_id, field="guardianId")
    require_writable(actor, {C.GUARDIAN_NAME})
    async with unit_of_work(services) as uow:
        session = uow.session
        child = await child_in_scope(session, actor, child_id)
        link = await family_write.guardianship_for_update(
            session, child_id=child.id, guardian_id=guardian_id
        )
        if link is None:
            raise NotFound("No such guardian of this child", field="guardianId")
        # Ending a restricted link lifts the restriction: only those who set it may.
        item_classes = {C.GUARDIAN_NAME} | (
            {C.PICKUP_RESTRICTION} if link.pickup_restricted else set()
        )
        require_writable(actor, item_classes)
        await family_write.delete_row(session, link)
        records = audit_records("delete", "guardianship", child.id, child.facility_id, item_classes)
        await audit.append(session, actor, records)
    return LinkRemoved(child)


def _require_relationship(values: dict[str, Any]) -> None:
    if "relationship" not in values:
        raise InvalidInput("A new link needs the relationship", field="relationship")


def _restriction_settled(link: GuardianshipRow, values: dict[str, Any]) -> dict[str, Any]:
    """A restriction needs its reason; lifting it forgets the reason."""
    restricted = values.get("pickup_restricted", link.pickup_restricted)
    reason = values.get("pickup_restriction_reason", link.pickup_restriction_reason)
    if restricted and not reason:
        raise InvalidInput("A pick-up restriction needs a reason", field="pickupRestrictionReason")
    return {
        **values,
        "pickup_restricted": bool(restricted),
        "pickup_restriction_reason": reason if restricted else None,
    }


async def _link(
    session: Session, child: ChildRow, guardian: GuardianRow, link: GuardianshipRow
) -> GuardianshipRow:
    if link.child_id is None:
        link.child_id, link.guardian_id = child.id, guardian.id
        await family_write.insert_rows(session, link)
    if link.is_primary_contact:
        await family_write.make_sole_primary_contact(
            session, child_id=child.id, guardian_id=guardian.id
        )
    await session.flush()
    return link
