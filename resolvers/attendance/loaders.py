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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.roles import Actor
from persistence.models import (
    AccountRow,
    AttendanceNoticeRow,
    AttendanceStampRow,
    ChildRow,
    FacilityRow,
)
from persistence.repositories import attendance as stamps
from persistence.repositories import attendance_alerts as alerts
from persistence.repositories import attendance_notices as notices
from persistence.repositories import kiosk
from persistence.repositories import staff_presence as presence
from persistence.repositories.batch import one_per_key
from persistence.scope import attendance_scope
from resolvers.loader_set import LoaderSet

ChildDay = tuple[uuid.UUID, date]


@dataclass(frozen=True, slots=True)
class DayFacts:
    """What a child's status on a day is computed from."""

    stamps: list[AttendanceStampRow]
    notices: list[AttendanceNoticeRow]
    cutoff: time | None


async def day_facts_by_child_days(
    session: AsyncSession, actor: Actor, keys: Sequence[ChildDay]
) -> list[DayFacts | None]:
    """None for a child whose attendance the actor does not reach (``attendance_scope``)."""
    day_stamps = await stamps.stamps_by_child_days(session, actor, keys)
    day_notices = await notices.current_notices_by_child_days(session, actor, keys)
    rows = await session.execute(
        select(ChildRow.id, FacilityRow.arrival_cutoff)
        .join(FacilityRow, FacilityRow.id == ChildRow.facility_id)
        .where(ChildRow.id.in_({child for child, _ in keys}), attendance_scope(actor))
    )
    cutoffs = {child: cutoff for child, cutoff in rows}
    return [
        DayFacts(s, n, cutoffs[child]) if child in cutoffs else None
        for (child, _), s, n in zip(keys, day_stamps, day_notices, strict=True)
    ]


async def attendance_children_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[uuid.UUID | None]:
    """The ids among ``ids`` of children whose attendance the actor reaches."""
    query = select(ChildRow.id).where(ChildRow.id.in_(ids), attendance_scope(actor))
    found = set(await session.scalars(query))
    return [i if i in found else None for i in ids]


async def account_names_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[str | None]:
    """Display names of accounts (staff who acknowledged or corrected something)."""
    rows = (
        await session.execute(
            select(AccountRow.id, AccountRow.display_name).where(AccountRow.id.in_(ids))
        )
    ).all()
    found = one_per_key(ids, rows, lambda r: r[0])
    return [r[1] if r is not None else None for r in found]


class AttendanceLoaders(LoaderSet):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        actor: Actor,
        *,
        reads: AsyncEngine | None = None,
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
