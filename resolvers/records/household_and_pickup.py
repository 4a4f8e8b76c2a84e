"""Staff writes to a child's household members (同居家族) and authorised pick-up persons."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry

from domain.errors import NotFound
from domain.policy import ItemClass
from domain.roles import Actor
from persistence.models import ChildRow, HouseholdMemberRow, PickupPersonRow
from persistence.records import family_write
from persistence.repositories import audit
from resolvers.ids import parse_id
from resolvers.records.children import ward_today
from resolvers.records.field_rules import (
    HOUSEHOLD_FIELDS,
    PICKUP_PERSON_FIELDS,
    audit_records,
    cleaned,
    require_writable,
)
from resolvers.records.guardians import child_in_scope
from resolvers.services import Services
from resolvers.unit_of_work import unit_of_work

if TYPE_CHECKING:  # type-only: at runtime the schema imports the resolvers, not back
    from schema.records.inputs import AddHouseholdMemberInput, AddPickupPersonInput

C = ItemClass


@dataclass
class HouseholdMemberWritten:
    household_member: HouseholdMemberRow
    child: ChildRow


@dataclass
class PickupPersonWritten:
    pickup_person: PickupPersonRow
    child: ChildRow


@dataclass
class Removed:
    removed_id: strawberry.ID
    child: ChildRow


async def add_household_member(
    services: Services, actor: Actor, input: AddHouseholdMemberInput
) -> HouseholdMemberWritten:
    child_id = parse_id(input.child_id, field="childId")
    require_writable(actor, {C.HOUSEHOLD})
    # The whole record is special-care: it lives in one encrypted document.
    details = cleaned(input, HOUSEHOLD_FIELDS, today=ward_today(services))
    async with unit_of_work(services) as uow:
        session = uow.session
        child = await child_in_scope(session, actor, child_id)
        member = HouseholdMemberRow(id=uuid.uuid4(), child_id=child.id, details=details)
        await family_write.insert_rows(session, member)
        records = audit_records(
            "create", "household_member", member.id, child.facility_id, {C.HOUSEHOLD}
        )
        await audit.append(session, actor, records)
    return HouseholdMemberWritten(member, child)


async def remove_household_member(services: Services, actor: Actor, id: strawberry.ID) -> Removed:
    member_id = parse_id(id)
    require_writable(actor, {C.HOUSEHOLD})
    async with unit_of_work(services) as uow:
        session = uow.session
        found = await family_write.household_member_for_update(session, actor, member_id)
        if found is None:
            raise NotFound("No such household member")
        member, child = found
        await family_write.delete_row(session, member)
        records = audit_records(
            "delete", "household_member", member.id, child.facility_id, {C.HOUSEHOLD}
        )
        await audit.append(session, actor, records)
    return Removed(strawberry.ID(str(member_id)), child)


async def add_pickup_person(
    services: Services, actor: Actor, input: AddPickupPersonInput
) -> PickupPersonWritten:
    child_id = parse_id(input.child_id, field="childId")
    require_writable(actor, {C.PICKUP_PERSON})
    values = cleaned(input, PICKUP_PERSON_FIELDS, today=ward_today(services))
    async with unit_of_work(services) as uow:
        session = uow.session
        child = await child_in_scope(session, actor, child_id)
        person = PickupPersonRow(id=uuid.uuid4(), child_id=child.id, **values)
        await family_write.insert_rows(session, person)
        records = audit_records(
            "create", "pickup_person", person.id, child.facility_id, {C.PICKUP_PERSON}
        )
        await audit.append(session, actor, records)
    return PickupPersonWritten(person, child)


async def remove_pickup_person(services: Services, actor: Actor, id: strawberry.ID) -> Removed:
    person_id = parse_id(id)
    require_writable(actor, {C.PICKUP_PERSON})
    async with unit_of_work(services) as uow:
        session = uow.session
        found = await family_write.pickup_person_for_update(session, actor, person_id)
        if found is None:
            raise NotFound("No such pick-up person")
        person, child = found
        await family_write.delete_row(session, person)
        records = audit_records(
            "delete", "pickup_person", person.id, child.facility_id, {C.PICKUP_PERSON}
        )
        await audit.append(session, actor, records)
    return Removed(strawberry.ID(str(person_id)), child)
