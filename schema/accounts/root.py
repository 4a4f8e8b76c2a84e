"""Root fields of accounts: who is signed in, and signing in and out."""

from __future__ import annotations

import strawberry

from resolvers.accounts import api, viewer
from schema.accounts.viewer import AuthPayload, Viewer


@strawberry.type
class AccountsQuery:
    viewer: Viewer = strawberry.field(resolver=viewer.viewer, description="The signed-in user.")


@strawberry.type
class AuthMutation:
    login: AuthPayload = strawberry.field(
        resolver=api.login,
        description="Sign in. Repeated failures lock the login id for a while (RATE_LIMITED).",
    )
    refresh_session: AuthPayload = strawberry.field(
        resolver=api.refresh_session,
        description="Trade a refresh token for a new access token and refresh token.",
    )
    logout: bool = strawberry.field(
        resolver=api.logout,
        description="Sign out: revokes the given refresh token's session and all access tokens.",
    )
