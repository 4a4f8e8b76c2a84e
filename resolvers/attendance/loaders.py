"""Per-request DataLoaders for attendance, reached as ``info.context.loaders.attendance``.

Every batch applies the actor's row scope in SQL, like the records loaders;
the realtime layer resolves pushed events (ids only) through these too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from domain.roles import Actor
from persistence.accounts import accounts
from persistence.attendance import alerts, kiosk, notices, stamps
from persistence.attendance import staff_presence as presence
from persistence.db import Engine, Session, Sessions
from persistence.models import (
    AttendanceNoticeRow,
    AttendanceStampRow,
)
from resolvers.loader_set import LoaderSet

ChildDay = tuple[uuid.UUID, date]


@dataclass(frozen=True, slots=True)
class DayFacts:
    """What a child's status on a day is computed from."""

    stamps: list[AttendanceStampRow]
    notices: list[AttendanceNoticeRow]
    cutoff: time | None


async def day_facts_by_child_days(
    session: Session, actor: Actor, keys: Sequence[ChildDay]
) -> list[DayFacts | None]:
    """None for a child whose attendance the actor does not reach (``attendance_scope``)."""
    day_stamps = await stamps.stamps_by_child_days(session, actor, keys)
    day_notices = await notices.current_notices_by_child_days(session, actor, keys)
    cutoffs = await stamps.arrival_cutoffs_by_child_ids(session, actor, (c for c, _ in keys))
    return [
        DayFacts(s, n, cutoffs[child]) if child in cutoffs else None
        for (child, _), s, n in zip(keys, day_stamps, day_notices, strict=True)
    ]


async def attendance_children_by_ids(
    session: Session, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[uuid.UUID | None]:
    """The ids among ``ids`` of children whose attendance the actor reaches."""
    found = await stamps.attendance_child_ids(session, actor, ids)
    return [i if i in found else None for i in ids]


async def account_names_by_ids(
    session: Session, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[str | None]:
    """Display names of accounts (staff who acknowledged or corrected something)."""
    return await accounts.display_names_by_ids(session, ids)


class AttendanceLoaders(LoaderSet):
    def __init__(
        self,
        sessions: Sessions,
        actor: Actor,
        *,
        reads: Engine | None = None,
    ) -> None:
        super().__init__(sessions, actor, reads=reads)
        self.stamp_by_id = self._read_loader(stamps.stamps_by_ids)
        self.stamps_by_child_day = self._loader(stamps.stamps_by_child_days)
        self.correction_by_stamp = self._read_loader(stamps.corrections_by_stamp_ids)
        self.day_facts_by_child_day = self._loader(day_facts_by_child_days)
        self.notice_by_id = self._loader(notices.notices_by_ids)
        self.successor_by_notice = self._loader(notices.successors_by_ids)
        self.alert_by_id = self._loader(alerts.alerts_by_ids)
        self.presence_by_id = self._loader(presence.presences_by_ids)
        self.presences_by_classroom_day = self._loader(presence.presences_by_classroom_days)
        self.pickup_person_by_id = self._loader(kiosk.pickup_persons_by_ids)
        self.account_name_by_id = self._loader(account_names_by_ids)
        self.attendance_child_by_id = self._loader(attendance_children_by_ids)


def loaders_of(info: Any) -> AttendanceLoaders:
    return info.context.loaders.attendance  # type: ignore[no-any-return]
