"""GraphQL entry points of the records writes: unpack the request, then call the service.

The same shape as ``resolvers.attendance.api``: nothing here opens a transaction
or asks the policy; the service modules (``children``, ``guardians``,
``household_and_pickup``) check the fields sent against the policy, then load,
write and audit in one unit of work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from resolvers.records import children, guardians, household_and_pickup

if TYPE_CHECKING:  # type-only: at runtime the schema imports the resolvers, not back
    from schema.records.inputs import (
        AddHouseholdMemberInput,
        AddPickupPersonInput,
        CreateChildInput,
        CreateGuardianInput,
        LinkGuardianInput,
        UnlinkGuardianInput,
        UpdateChildInput,
        UpdateGuardianInput,
    )


async def create_child(info: strawberry.Info, input: CreateChildInput) -> children.ChildWritten:
    return await children.create_child(info.context.services, info.context.actor, input)


async def update_child(info: strawberry.Info, input: UpdateChildInput) -> children.ChildWritten:
    return await children.update_child(info.context.services, info.context.actor, input)


async def create_guardian(
    info: strawberry.Info, input: CreateGuardianInput
) -> guardians.GuardianWritten:
    return await guardians.create_guardian(info.context.services, info.context.actor, input)


async def update_guardian(
    info: strawberry.Info, input: UpdateGuardianInput
) -> guardians.GuardianWritten:
    return await guardians.update_guardian(info.context.services, info.context.actor, input)


async def link_guardian(
    info: strawberry.Info, input: LinkGuardianInput
) -> guardians.GuardianWritten:
    return await guardians.link_guardian(info.context.services, info.context.actor, input)


async def unlink_guardian(
    info: strawberry.Info, input: UnlinkGuardianInput
) -> guardians.LinkRemoved:
    return await guardians.unlink_guardian(info.context.services, info.context.actor, input)


async def add_household_member(
    info: strawberry.Info, input: AddHouseholdMemberInput
) -> household_and_pickup.HouseholdMemberWritten:
    return await household_and_pickup.add_household_member(
        info.context.services, info.context.actor, input
    )


async def remove_household_member(
    info: strawberry.Info, id: strawberry.ID
) -> household_and_pickup.Removed:
    return await household_and_pickup.remove_household_member(
        info.context.services, info.context.actor, id
    )


async def add_pickup_person(
    info: strawberry.Info, input: AddPickupPersonInput
) -> household_and_pickup.PickupPersonWritten:
    return await household_and_pickup.add_pickup_person(
        info.context.services, info.context.actor, input
    )


async def remove_pickup_person(
    info: strawberry.Info, id: strawberry.ID
) -> household_and_pickup.Removed:
    return await household_and_pickup.remove_pickup_person(
        info.context.services, info.context.actor, id
    )
