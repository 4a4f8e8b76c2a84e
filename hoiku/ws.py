"""WebSockets held to their access token (graphql-transport-ws).

A socket is as good as the token it signed in with (``connection_init`` payload
``{"authorization": "Bearer <accessToken>"}``):

* **4401 "Access token expired"** — the token's ``exp`` passed. Refresh the session
  (``refreshSession``) and connect again, resuming subscriptions with ``after: cursor``.
* **4403 "Session revoked"** — the token was revoked: logout (from any device of the
  account), a replayed refresh token, or a change of the account's role, facility,
  classes or disabled flag. Try ``refreshSession``; if it fails, sign in again. Also
  sent when ``connection_init`` or a renewal carries a bad token.
* **4408** — no ``connection_init`` within ``HOIKU_WS_INIT_TIMEOUT_SECONDS``.

Revocations made through the API travel to every server process through Redis and
close sockets there within the time a message takes; in any case each socket re-checks
its token every ``HOIKU_TOKEN_CHECK_SECONDS`` and before each operation it starts, so
changes made outside the API (an operator's SQL) close sockets within seconds too.

**Renewing without dropping subscriptions**: before the token expires, send
``{"type": "ping", "payload": {"authorization": "Bearer <newAccessToken>"}}``. The server
answers ``pong`` and from then on holds the socket to the new token. The new token must
be of the same account with the same role and classes; otherwise the socket closes 4403
(connect again, so subscriptions are authorised afresh).

At most ``HOIKU_WS_MAX_SUBSCRIPTIONS`` operations run at once on one socket; one more is
refused with an ``error`` message whose ``extensions.code`` is ``TOO_MANY_SUBSCRIPTIONS``
(the socket and its other subscriptions carry on).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    PingMessage,
    SubscribeMessage,
)

from domain.errors import Unauthenticated
from hoiku.security import VerifiedToken
from realtime.sessions import SessionWatch
from resolvers.accounts.tokens import bearer_token, is_live, verified_token
from resolvers.context import RequestContext

logger = logging.getLogger(__name__)

CLOSE_EXPIRED = 4401
CLOSE_REVOKED = 4403
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"


def _authorization(payload: Any) -> Any:
    if not isinstance(payload, dict):
        return None
    return payload.get("authorization") or payload.get("Authorization")


async def sign_in(context: RequestContext) -> None:
    """``connection_init``: the payload's bearer token signs the socket in, or it closes 4403."""
    raw = _authorization(context.connection_params)
    try:
        token = bearer_token(raw if isinstance(raw, str) else None)
        if token is None:
            raise Unauthenticated("Sign in first")
        verified = await verified_token(context.services, token, client=context.client)
    except Unauthenticated:
        raise ConnectionRejectionError({"reason": "unauthenticated"}) from None
    context.set_actor(verified.actor)
    context.token = verified


def _scope(token: VerifiedToken) -> Any:
    return dataclasses.replace(token.actor, client="")


class SessionSocket(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """The graphql-transport-ws handler, serving only while its access token is good."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: VerifiedToken | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._ended = False

    @property
    def account_id(self) -> uuid.UUID:
        assert self._token is not None
        return self._token.actor.account_id

    @property
    def generation(self) -> int:
        assert self._token is not None
        return self._token.generation

    @property
    def _sessions(self) -> SessionWatch | None:
        watch: SessionWatch | None = self.context.services.session_watch
        return watch

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        token = self.context.token
        if not self.connection_acknowledged or token is None or self._token is not None:
            return
        self._token = token
        if self._sessions is not None:
            self._sessions.add(self)
        # A revocation between the check in sign_in and add() above is caught here.
        if await self._still_good():
            self._watchdog = asyncio.create_task(self._watch(), name="socket-token-watchdog")

    async def handle_ping(self, message: PingMessage) -> None:
        raw = _authorization(message.get("payload"))
        if raw is not None and self._token is not None and not await self._renew(raw):
            return
        await super().handle_ping(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self._token is not None and not await self._still_good():
            return
        limit = self.max_subscriptions_per_connection
        new = message["id"] not in self.operations
        if limit is not None and new and len(self.operations) >= limit:
            await self._refuse(message["id"], limit)
            return
        await super().handle_subscribe(message)

    async def _refuse(self, operation_id: str, limit: int) -> None:
        error = GraphQLError(
            f"At most {limit} operations may run at once on one connection",
            extensions={"code": TOO_MANY_SUBSCRIPTIONS, "limit": limit},
        )
        await self.send_message(
            ErrorMessage(id=operation_id, type="error", payload=[error.formatted])
        )

    async def revoke(self) -> None:
        await self.end(CLOSE_REVOKED, "Session revoked")

    async def end(self, code: int, reason: str) -> None:
        """Stop every operation, then close: nothing more is served on this socket."""
        if self._ended:
            return
        self._ended = True
        if self._sessions is not None:
            self._sessions.discard(self)
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    async def shutdown(self) -> None:
        self._ended = True
        if self._sessions is not None and self._token is not None:
            self._sessions.discard(self)
        if self._watchdog is not None and self._watchdog is not asyncio.current_task():
            self._watchdog.cancel()
        await super().shutdown()

    async def _renew(self, raw: Any) -> bool:
        assert self._token is not None
        try:
            token = bearer_token(raw if isinstance(raw, str) else None)
            if token is None:
                raise Unauthenticated("Sign in first")
            fresh = await verified_token(self.context.services, token, client=self.context.client)
        except Unauthenticated:
            await self.end(CLOSE_REVOKED, "Invalid access token")
            return False
        if _scope(fresh) != _scope(self._token):
            await self.end(CLOSE_REVOKED, "Another account or scope: connect again")
            return False
        self._token = fresh
        return True

    async def _still_good(self) -> bool:
        """Close the socket (and say False) once its token has expired or been revoked."""
        token = self._token
        if self._ended or token is None:
            return not self._ended
        if time.time() >= token.expires_at:
            await self.end(CLOSE_EXPIRED, "Access token expired")
            return False
        try:
            live = await is_live(self.context.services, token)
        except Exception:  # the database is briefly away: keep serving, check again soon
            logger.exception("checking a socket's token generation failed")
            return True
        if not live:
            await self.revoke()
            return False
        return True

    async def _watch(self) -> None:
        interval = self.context.services.token_check_seconds
        while self._token is not None and not self._ended:
            await asyncio.sleep(max(0.0, min(self._token.expires_at - time.time(), interval)))
            if not await self._still_good():
                return
