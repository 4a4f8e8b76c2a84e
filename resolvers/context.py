"""The per-request context: who is asking, their reach, loaders, audit buffer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import Unauthenticated
from domain.policy import ACCESS_MATRIX, ItemClass, Reach
from domain.roles import Actor
from hoiku.security import VerifiedToken
from persistence.db import Sessions
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.loaders import Loaders
from resolvers.services import Services

_NO_REACH: Mapping[ItemClass, Reach] = dict.fromkeys(ItemClass, Reach.NONE)


@dataclass
class AuditBuffer:
    """Special-care reads of one request, one entry per (item, record); flushed after.

    Each read keeps the child its record was reached through, when there is one, so
    the entry lands at that child's facility.
    """

    reads: dict[tuple[str, str, uuid.UUID], uuid.UUID | None] = field(default_factory=dict)

    def read(
        self,
        item_class: ItemClass,
        entity: str,
        record_id: uuid.UUID,
        *,
        via_child_id: uuid.UUID | None = None,
    ) -> None:
        key = (item_class.value, entity, record_id)
        if self.reads.get(key) is None:
            self.reads[key] = via_child_id

    def drain(self) -> list[AuditRecord]:
        """The buffered reads as audit entries; the buffer starts again empty."""
        records = [
            AuditRecord("read", item, entity, record, via_child_id=via)
            for (item, entity, record), via in self.reads.items()
        ]
        self.reads.clear()
        return records


class RequestContext:
    """Built once per HTTP request or WebSocket operation; never shared."""

    def __init__(self, *, services: Services, actor: Actor | None, client: str = "") -> None:
        self.services = services
        self.sessions: Sessions = services.sessions
        self.client = client
        self.audit = AuditBuffer()
        self.auth_error: Unauthenticated | None = None
        # strawberry sets these for WebSocket connections
        self.connection_params: dict[str, Any] | None = None
        self.request: Any = None
        self.response: Any = None
        # A WebSocket's access token, held for as long as the socket lives (hoiku.ws)
        self.token: VerifiedToken | None = None
        self.set_actor(actor)

    def set_actor(self, actor: Actor | None) -> None:
        self.actor_or_none = actor
        self.reach: Mapping[ItemClass, Reach] = ACCESS_MATRIX[actor.role] if actor else _NO_REACH
        self._loaders: Loaders | None = None

    def fresh_loaders(self) -> None:
        """Forget cached rows: each subscription event is resolved anew."""
        self._loaders = None

    def use_loaders(self, loaders: Loaders) -> None:
        """Adopt loaders built for the very same actor (subscribers sharing an event)."""
        self._loaders = loaders

    async def flush_audit_reads(self) -> None:
        """Write one audit row per special-care item and record read since the last flush
        (after an operation; after each pushed result of a subscription)."""
        actor = self.actor_or_none
        if not self.audit.reads or actor is None:
            return
        records = self.audit.drain()
        if self.services.reads is not None:  # one INSERT: autocommit, no transaction
            await audit.append(self.services.reads, actor, records)
            return
        async with self.sessions.begin() as session:
            await audit.append(session, actor, records)

    @property
    def actor(self) -> Actor:
        if self.actor_or_none is None:
            raise self.auth_error or Unauthenticated("Sign in first")
        return self.actor_or_none

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.sessions, self.actor, reads=self.services.reads)
        return self._loaders
