"""Authentication at the edge: a bearer token becomes an in-memory Actor.

Tokens are verified by signature; each account's token generation is checked
too (cached a few seconds per process) so logout and kiosk revocation take
effect without a database round trip on every request.
"""

from __future__ import annotations

import time
import uuid

from domain.errors import Unauthenticated
from domain.roles import Actor
from persistence.repositories import accounts
from resolvers.services import Services

_CACHE_SECONDS = 5.0


class GenerationCache:
    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, tuple[float, int | None]] = {}

    def get(self, account_id: uuid.UUID) -> tuple[bool, int | None]:
        entry = self._entries.get(account_id)
        if entry is None or time.monotonic() - entry[0] > _CACHE_SECONDS:
            return False, None
        return True, entry[1]

    def put(self, account_id: uuid.UUID, generation: int | None) -> None:
        self._entries[account_id] = (time.monotonic(), generation)

    def forget(self, account_id: uuid.UUID) -> None:
        self._entries.pop(account_id, None)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <accessToken>'")
    return token.strip()


async def actor_from_token(services: Services, token: str, *, client: str) -> Actor:
    actor, generation = services.tokens.verify(token, client=client)
    cache: GenerationCache = services.extras.setdefault("generations", GenerationCache())
    known, live = cache.get(actor.account_id)
    if not known:
        async with services.sessions() as session:
            live = await accounts.generation_of(session, actor.account_id)
        cache.put(actor.account_id, live)
    if live is None or live != generation:
        raise Unauthenticated("access token revoked")
    return actor
