"""GraphQL entry points of sign-in: unpack the request, call the service, adopt its actor.

The same shape as ``resolvers.attendance.api``: the transaction and the rules
live in ``resolvers.accounts.sign_in``.
"""

from __future__ import annotations

import strawberry

from resolvers.accounts import sign_in


async def login(info: strawberry.Info, login_id: str, password: str) -> sign_in.Session:
    context = info.context
    session = await sign_in.login(context.services, login_id, password, client=context.client)
    return _signed_in(info, session)


async def refresh_session(info: strawberry.Info, refresh_token: str) -> sign_in.Session:
    context = info.context
    session = await sign_in.refresh_session(context.services, refresh_token, client=context.client)
    return _signed_in(info, session)


async def logout(info: strawberry.Info, refresh_token: str | None = None) -> bool:
    return await sign_in.logout(info.context.services, info.context.actor, refresh_token)


def _signed_in(info: strawberry.Info, session: sign_in.Session) -> sign_in.Session:
    """The rest of this operation (``viewer { … }``) runs as the new session's actor."""
    info.context.set_actor(session.actor)
    return session
