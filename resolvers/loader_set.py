"""How a set of per-request DataLoaders is built: one actor, short sessions or driver reads."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from domain.roles import Actor
from persistence.db import Engine, Session, Sessions

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
BatchQuery = Callable[[Session, Actor, Sequence[K]], Awaitable[list[T]]]
CoreQuery = Callable[[Any, Actor, Sequence[uuid.UUID]], Awaitable[list[T]]]


class LoaderSet:
    """Base of ``Loaders`` and ``AttendanceLoaders``: never shared across actors."""

    def __init__(
        self,
        sessions: Sessions,
        actor: Actor,
        *,
        reads: Engine | None = None,
    ) -> None:
        self._sessions = sessions
        self._actor = actor
        # Single-SELECT batches run on the autocommit engine when there is one:
        # no BEGIN/ROLLBACK around one statement, no ORM session machinery.
        self._reads = reads

    def _loader(self, query: BatchQuery[K, T]) -> DataLoader[K, T]:
        """A batch that needs a session (ORM rows, several statements)."""

        async def load(keys: list[K]) -> list[T]:
            async with self._sessions() as session:
                return await query(session, self._actor, keys)

        return DataLoader(load_fn=load)

    def _read_loader(self, query: CoreQuery[T]) -> DataLoader[uuid.UUID, T]:
        """A single-statement batch, run on the driver when a read engine exists."""

        async def load(keys: list[uuid.UUID]) -> list[T]:
            if self._reads is None:
                async with self._sessions() as session:
                    return await query(session, self._actor, keys)
            return await query(self._reads, self._actor, keys)

        return DataLoader(load_fn=load)
