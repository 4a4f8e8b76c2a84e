"""Resolvers for children, guardians and their circle: thin, scoped, batched."""

from __future__ import annotations

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
from persistence.repositories.family import GuardianLink
from resolvers.ids import parse_id


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


async def guardians_of_child(root: ChildRow, info: strawberry.Info) -> list[GuardianLink]:
    return await info.context.loaders.guardians_by_child.load(root.id)  # type: ignore[no-any-return]


async def children_of_guardian(root: GuardianLink, info: strawberry.Info) -> list[ChildRow]:
    return await info.context.loaders.children_by_guardian.load(root.guardian.id)  # type: ignore[no-any-return]


async def children_of_classroom(root: ClassroomRow, info: strawberry.Info) -> list[ChildRow]:
    return await info.context.loaders.children_by_classroom.load(root.id)  # type: ignore[no-any-return]


async def classroom_of_child(root: ChildRow, info: strawberry.Info) -> ClassroomRow | None:
    if root.classroom_id is None:
        return None
    return await info.context.loaders.classroom_by_id.load(root.classroom_id)  # type: ignore[no-any-return]


async def facility_of(root: Any, info: strawberry.Info) -> FacilityRow | None:
    return await info.context.loaders.facility_by_id.load(root.facility_id)  # type: ignore[no-any-return]


async def classrooms_of_facility(root: FacilityRow, info: strawberry.Info) -> list[ClassroomRow]:
    return await info.context.loaders.classrooms_by_facility.load(root.id)  # type: ignore[no-any-return]


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
