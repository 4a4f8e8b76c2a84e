"""Root fields of the records capability and sign-in (PRODUCT.md's core contract)."""

from __future__ import annotations

import strawberry

from resolvers.accounts import sign_in as auth
from resolvers.accounts import viewer
from resolvers.records import fields as family
from resolvers.records import lists
from schema.accounts.viewer import AuthPayload, Viewer
from schema.records.audit import AuditLogPage
from schema.records.org import Classroom, Facility
from schema.records.pages import ChildPage
from schema.records.types import Child, Guardian


@strawberry.type
class RecordsQuery:
    viewer: Viewer = strawberry.field(resolver=viewer.viewer, description="The signed-in user.")
    child: Child = strawberry.field(resolver=family.child, description="A child by id.")
    guardian: Guardian = strawberry.field(resolver=family.guardian, description="A guardian by id.")
    classroom: Classroom = strawberry.field(
        resolver=family.classroom, description="A classroom by id."
    )
    facility: Facility = strawberry.field(resolver=family.facility, description="A facility by id.")
    children: ChildPage = strawberry.field(
        resolver=lists.children,
        description="Children the viewer may reach, in kana order; filter by class or kana "
        "prefix of the family name; `first` is 1–100.",
    )
    audit_log: AuditLogPage = strawberry.field(
        resolver=lists.audit_log,
        description="The audit log, newest first: ward admins see all, directors their facility.",
    )


@strawberry.type
class AuthMutation:
    login: AuthPayload = strawberry.field(
        resolver=auth.login,
        description="Sign in. Repeated failures lock the login id for a while (RATE_LIMITED).",
    )
    refresh_session: AuthPayload = strawberry.field(
        resolver=auth.refresh_session,
        description="Trade a refresh token for a new access token and refresh token.",
    )
    logout: bool = strawberry.field(
        resolver=auth.logout,
        description="Sign out: revokes the given refresh token's session and all access tokens.",
    )
