"""Per-request DataLoaders, named ``<thing>_by_<key>``; each batch opens its own session.

Built per request (or per subscription event) for one actor, and shared only
between subscribers that are that same actor: a loader shared across actors
would hand one user's cached rows to another.
"""

from __future__ import annotations

from functools import cached_property

from domain.roles import Actor
from persistence.db import Engine, Sessions
from persistence.records import family
from resolvers.attendance.loaders import AttendanceLoaders
from resolvers.loader_set import LoaderSet


class Loaders(LoaderSet):
    def __init__(
        self,
        sessions: Sessions,
        actor: Actor,
        *,
        reads: Engine | None = None,
    ) -> None:
        super().__init__(sessions, actor, reads=reads)
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
