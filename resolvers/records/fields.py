"""Resolvers for children, guardians and their circle: thin, scoped, batched."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import strawberry

from domain.errors import NotFound
from persistence.models import (
    ChildRow,
    ClassroomRow,
    FacilityRow,
    HouseholdMemberRow,
    PickupPersonRow,
)
from persistence.records.family import GuardianLink
from resolvers.ids import parse_id
from resolvers.relations import relation


async def child(info: strawberry.Info, id: strawberry.ID) -> ChildRow:
    row = await info.context.loaders.child_by_id.load(parse_id(id))
    if row is None:
        raise NotFound("No such child")
    return row  # type: ignore[no-any-return]


async def guardian(info: strawberry.Info, id: strawberry.ID) -> GuardianLink:
    row = await info.context.loaders.guardian_by_id.load(parse_id(id))
    if row is None:
        raise NotFound("No such guardian")
    return GuardianLink(row, None)


async def classroom(info: strawberry.Info, id: strawberry.ID) -> ClassroomRow:
    row = await info.context.loaders.classroom_by_id.load(parse_id(id))
    if row is None:
        raise NotFound("No such classroom")
    return row  # type: ignore[no-any-return]


async def facility(info: strawberry.Info, id: strawberry.ID) -> FacilityRow:
    row = await info.context.loaders.facility_by_id.load(parse_id(id))
    if row is None:
        raise NotFound("No such facility")
    return row  # type: ignore[no-any-return]


guardians_of_child = relation("guardians_by_child", attrgetter("id"))
children_of_guardian = relation("children_by_guardian", attrgetter("guardian.id"))
children_of_classroom = relation("children_by_classroom", attrgetter("id"))
classroom_of_child = relation("classroom_by_id", attrgetter("classroom_id"))
facility_of = relation("facility_by_id", attrgetter("facility_id"))
classrooms_of_facility = relation("classrooms_by_facility", attrgetter("id"))


async def household_of_child(root: ChildRow, info: strawberry.Info) -> list[HouseholdMemberRow]:
    return await info.context.loaders.household_by_child.load(root.id)  # type: ignore[no-any-return]


async def pickup_persons_of_child(root: ChildRow, info: strawberry.Info) -> list[PickupPersonRow]:
    return await info.context.loaders.pickup_persons_by_child.load(root.id)  # type: ignore[no-any-return]


def is_own_guardian_record(actor: Any, root: GuardianLink) -> bool:
    return actor.guardian_id is not None and root.guardian.id == actor.guardian_id


def guardian_link_id(root: GuardianLink) -> strawberry.ID:
    return strawberry.ID(str(root.guardian.id))


def display_name(child: Any) -> str:
    return f"{child.family_name} {child.given_name}"
