"""Authentication at the edge: a bearer token becomes an in-memory Actor.

Tokens are verified by signature and must carry every claim (an expiry included);
each account's token generation is checked too, cached ``token_check_seconds`` per
process, so logout and kiosk revocation take effect without a database round trip
on every request. The generation changes with the account's role, facility, classes
and disabled flag (database triggers), so a token's role and classes are the
account's as long as its generation is live. Revoking (logout, a replayed refresh
token) also forgets the cached generation on every process via ``SessionWatch``.
"""

from __future__ import annotations

import uuid

from domain.errors import Unauthenticated
from domain.roles import Actor
from hoiku.security import VerifiedToken
from persistence.accounts import accounts
from resolvers.services import Services


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <accessToken>'")
    return token.strip()


async def verified_token(services: Services, token: str, *, client: str) -> VerifiedToken:
    """The token's claims once signature, expiry and live generation all check out."""
    verified = services.tokens.verify(token, client=client)
    if not await is_live(services, verified):
        raise Unauthenticated("access token revoked")
    return verified


async def actor_from_token(services: Services, token: str, *, client: str) -> Actor:
    return (await verified_token(services, token, client=client)).actor


async def is_live(services: Services, verified: VerifiedToken) -> bool:
    """Whether the account still has the token's generation (and is enabled)."""
    cache = services.generations
    account_id = verified.actor.account_id
    known, live = cache.get(account_id)
    if not known:
        async with services.sessions() as session:
            live = await accounts.generation_of(session, account_id)
        cache.put(account_id, live)
    return live is not None and live == verified.generation


async def end_sessions(services: Services, account_id: uuid.UUID, generation: int) -> None:
    """After the commit that moved the account to ``generation``: older tokens die now,
    here and (through the session watch) in every other process, sockets included."""
    services.generations.forget(account_id)
    watch = services.session_watch
    if watch is not None:
        await watch.revoke(account_id, generation)
