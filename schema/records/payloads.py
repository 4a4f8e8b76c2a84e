"""What the record mutations return: the written objects, through the same guarded
types as reads, so a writer sees back only what they may read."""

from __future__ import annotations

import strawberry

from domain.policy import ItemClass
from schema.guard import sensitive
from schema.records.types import Child, Guardian, HouseholdMember, PickupPerson

_WRITTEN = "as the writer may read it"


@strawberry.type(description="The result of createChild.")
class CreateChildPayload:
    child: Child = strawberry.field(description=f"The new child, {_WRITTEN}.")


@strawberry.type(description="The result of updateChild.")
class UpdateChildPayload:
    child: Child = strawberry.field(description=f"The child after the change, {_WRITTEN}.")


@strawberry.type(description="The result of createGuardian.")
class CreateGuardianPayload:
    guardian: Guardian = strawberry.field(
        description=f"The new guardian with their link to the child, {_WRITTEN}."
    )
    child: Child | None = strawberry.field(description="The child they were linked to.")


@strawberry.type(description="The result of updateGuardian.")
class UpdateGuardianPayload:
    guardian: Guardian = strawberry.field(description=f"The guardian after the change, {_WRITTEN}.")


@strawberry.type(description="The result of linkGuardian.")
class LinkGuardianPayload:
    guardian: Guardian = strawberry.field(
        description=f"The guardian with their link to the child, {_WRITTEN}."
    )
    child: Child | None = strawberry.field(description="The child.")


@strawberry.type(description="The result of unlinkGuardian.")
class UnlinkGuardianPayload:
    child: Child = strawberry.field(description="The child, without that guardian.")


@strawberry.type(description="The result of addHouseholdMember.")
class AddHouseholdMemberPayload:
    household_member: HouseholdMember | None = sensitive(
        ItemClass.HOUSEHOLD,
        "household_member",
        entity="household_member",
        record_id=lambda p: p.household_member.id,
        description=f"The new household member, {_WRITTEN}.",
    )
    child: Child = strawberry.field(description="The child they live with.")


@strawberry.type(description="The result of addPickupPerson.")
class AddPickupPersonPayload:
    pickup_person: PickupPerson | None = sensitive(
        ItemClass.PICKUP_PERSON,
        "pickup_person",
        entity="pickup_person",
        record_id=lambda p: p.pickup_person.id,
        description=f"The new authorised pick-up person, {_WRITTEN}.",
    )
    child: Child = strawberry.field(description="The child they may pick up.")


@strawberry.type(description="The result of removing a household member or pick-up person.")
class RemovedPayload:
    removed_id: strawberry.ID = strawberry.field(description="Id of the record removed.")
    child: Child = strawberry.field(description="The child, after the removal.")
