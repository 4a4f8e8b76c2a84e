"""The signed-in user and session payloads."""

from __future__ import annotations

import strawberry

from resolvers.accounts import viewer as r
from schema.enums import Role
from schema.records.org import Classroom, Facility
from schema.records.types import Child, Guardian


@strawberry.type(description="The signed-in account.")
class Viewer:
    id: strawberry.ID = strawberry.field(description="Account id.")
    login_id: str = strawberry.field(description="Login id.")
    display_name: str = strawberry.field(description="Name shown in the app.")
    role: Role = strawberry.field(description="Role; decides what the account may see and do.")  # type: ignore[valid-type]
    facility: Facility | None = strawberry.field(
        resolver=r.viewer_facility, description="Own facility (staff and kiosks)."
    )
    classrooms: list[Classroom] = strawberry.field(
        resolver=r.viewer_classrooms,
        description="Teachers: own classes; facility staff: this fiscal year's classes.",
    )
    children: list[Child] = strawberry.field(
        resolver=r.viewer_children, description="Guardians: own children."
    )
    guardian: Guardian | None = strawberry.field(
        resolver=r.viewer_guardian, description="Guardians: own guardian record."
    )


@strawberry.type(description="A signed-in session.")
class AuthPayload:
    access_token: str = strawberry.field(
        description="Short-lived bearer token: send as 'Authorization: Bearer <token>'."
    )
    refresh_token: str = strawberry.field(
        description="Single-use token for refreshSession; rotating, keep it secret."
    )
    viewer: Viewer = strawberry.field(description="The signed-in account.")
