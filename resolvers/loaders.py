"""Per-request DataLoaders, named ``<thing>_by_<key>``; each batch opens its own session.

Built per request (or per subscription event) for one actor, and shared only
between subscribers that are that same actor: a loader shared across actors
would hand one user's cached rows to another.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from domain.roles import Actor
from persistence.raw_reads import RawReads
from persistence.repositories import family
from resolvers.attendance_loaders import AttendanceLoaders

T = TypeVar("T")
BatchQuery = Callable[[AsyncSession, Actor, Sequence[uuid.UUID]], Awaitable[list[T]]]
CoreQuery = Callable[[RawReads, Actor, Sequence[uuid.UUID]], Awaitable[list[T]]]


class Loaders:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        actor: Actor,
        *,
        reads: AsyncEngine | None = None,
    ) -> None:
        self._sessions = sessions
        self._actor = actor
        # Core reads run on the autocommit engine when there is one: no
        # BEGIN/ROLLBACK round trips around a single SELECT, no ORM session.
        self._reads = reads
        self.child_by_id = self._read_loader(family.children_by_ids)
        self.children_by_classroom = self._read_loader(family.children_by_classroom_ids)
        self.children_by_guardian = self._read_loader(family.children_by_guardian_ids)
        self.guardians_by_child = self._read_loader(family.guardians_by_child_ids)
        self.guardian_by_id = self._read_loader(family.guardians_by_ids)
        self.household_by_child = self._loader(family.household_by_child_ids)
        self.pickup_persons_by_child = self._loader(family.pickup_persons_by_child_ids)
        self.classroom_by_id = self._read_loader(family.classrooms_by_ids)
        self.classrooms_by_facility = self._loader(family.classrooms_by_facility_ids)
        self.facility_by_id = self._read_loader(family.facilities_by_ids)

    @cached_property
    def attendance(self) -> AttendanceLoaders:
        """Built on first use: most requests never touch attendance."""
        return AttendanceLoaders(self._sessions, self._actor, reads=self._reads)

    def _loader(self, query: BatchQuery[T]) -> DataLoader[uuid.UUID, T]:
        async def load(keys: list[uuid.UUID]) -> list[T]:
            async with self._sessions() as session:
                return await query(session, self._actor, keys)

        return DataLoader(load_fn=load)

    def _read_loader(self, query: CoreQuery[T]) -> DataLoader[uuid.UUID, T]:
        async def load(keys: list[uuid.UUID]) -> list[T]:
            if self._reads is None:
                async with self._sessions() as session:
                    return await query(session, self._actor, keys)  # type: ignore[arg-type]
            return await query(RawReads(self._reads), self._actor, keys)

        return DataLoader(load_fn=load)
