"""Root mutations for staff to keep children's and families' records.

Who may write what follows ``domain.policy.can_write``: record editors (ward
admin, director, clerk) write the item classes they may read, nurses write
children's special-care (health) items only. A field sent that the writer may
not write makes the whole mutation FORBIDDEN, and nothing is written. Records
outside the writer's scope are NOT_FOUND, as if they did not exist. Every
successful write is audited.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.records import api, children, guardians, household_and_pickup
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
from schema.records.payloads import (
    AddHouseholdMemberPayload,
    AddPickupPersonPayload,
    CreateChildPayload,
    CreateGuardianPayload,
    LinkGuardianPayload,
    RemovedPayload,
    UnlinkGuardianPayload,
    UpdateChildPayload,
    UpdateGuardianPayload,
)

_INPUT = "What to write; limits are in each field's description."
_ID = "Id of the record to remove."


async def _create_child(
    info: strawberry.Info,
    input: Annotated[CreateChildInput, strawberry.argument(description=_INPUT)],
) -> children.ChildWritten:
    return await api.create_child(info, input)


async def _update_child(
    info: strawberry.Info,
    input: Annotated[UpdateChildInput, strawberry.argument(description=_INPUT)],
) -> children.ChildWritten:
    return await api.update_child(info, input)


async def _create_guardian(
    info: strawberry.Info,
    input: Annotated[CreateGuardianInput, strawberry.argument(description=_INPUT)],
) -> guardians.GuardianWritten:
    return await api.create_guardian(info, input)


async def _update_guardian(
    info: strawberry.Info,
    input: Annotated[UpdateGuardianInput, strawberry.argument(description=_INPUT)],
) -> guardians.GuardianWritten:
    return await api.update_guardian(info, input)


async def _link_guardian(
    info: strawberry.Info,
    input: Annotated[LinkGuardianInput, strawberry.argument(description=_INPUT)],
) -> guardians.GuardianWritten:
    return await api.link_guardian(info, input)


async def _unlink_guardian(
    info: strawberry.Info,
    input: Annotated[UnlinkGuardianInput, strawberry.argument(description=_INPUT)],
) -> guardians.LinkRemoved:
    return await api.unlink_guardian(info, input)


async def _add_household_member(
    info: strawberry.Info,
    input: Annotated[AddHouseholdMemberInput, strawberry.argument(description=_INPUT)],
) -> household_and_pickup.HouseholdMemberWritten:
    return await api.add_household_member(info, input)


async def _remove_household_member(
    info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description=_ID)]
) -> household_and_pickup.Removed:
    return await api.remove_household_member(info, id)


async def _add_pickup_person(
    info: strawberry.Info,
    input: Annotated[AddPickupPersonInput, strawberry.argument(description=_INPUT)],
) -> household_and_pickup.PickupPersonWritten:
    return await api.add_pickup_person(info, input)


async def _remove_pickup_person(
    info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description=_ID)]
) -> household_and_pickup.Removed:
    return await api.remove_pickup_person(info, id)


@strawberry.type
class RecordsMutation:
    create_child: CreateChildPayload = strawberry.field(
        resolver=_create_child,
        description="Create a child in a classroom the writer may place children in.",
    )
    update_child: UpdateChildPayload = strawberry.field(
        resolver=_update_child,
        description="Change a child's record; nurses may change the health items only.",
    )
    create_guardian: CreateGuardianPayload = strawberry.field(
        resolver=_create_guardian,
        description="Create a guardian and link them to a child the writer reaches.",
    )
    update_guardian: UpdateGuardianPayload = strawberry.field(
        resolver=_update_guardian, description="Change a guardian's record."
    )
    link_guardian: LinkGuardianPayload = strawberry.field(
        resolver=_link_guardian,
        description="Link a guardian to a child, or change the link (relationship, primary "
        "contact, pick-up and its restriction).",
    )
    unlink_guardian: UnlinkGuardianPayload = strawberry.field(
        resolver=_unlink_guardian, description="End a guardian's link to a child."
    )
    add_household_member: AddHouseholdMemberPayload = strawberry.field(
        resolver=_add_household_member, description="Add a person living with the child."
    )
    remove_household_member: RemovedPayload = strawberry.field(
        resolver=_remove_household_member, description="Remove a household member."
    )
    add_pickup_person: AddPickupPersonPayload = strawberry.field(
        resolver=_add_pickup_person, description="Authorise a non-guardian to pick the child up."
    )
    remove_pickup_person: RemovedPayload = strawberry.field(
        resolver=_remove_pickup_person, description="Withdraw a pick-up authorisation."
    )
