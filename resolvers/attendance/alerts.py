"""Safety alerts: a refused pick-up, and children expected but not arrived by the cutoff.

``raise_missing_arrival_alerts`` is the one service the background scheduler,
the ``hoiku alerts run`` command and tests all call. It is idempotent per
child and day (a unique key per alert), so every process may run it and
re-running it raises nothing twice.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection
from datetime import date, datetime

from domain.attendance import AttendanceEvent, at_local, is_open_day, local_day
from domain.pickup import Presenter
from domain.roles import Actor
from persistence.attendance.alerts import (
    arrival_cutoff_of,
    arrival_cutoffs,
    children_missing,
    insert_alert,
)
from persistence.attendance.stamps import StampTarget
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.attendance.events import alert_to_class_and_facility
from resolvers.services import Services
from resolvers.unit_of_work import UnitOfWork, unit_of_work

SYSTEM = "system"


async def raise_pickup_refused(
    uow: UnitOfWork,
    actor: Actor,
    child: StampTarget,
    presenter: Presenter,
    *,
    key: str | None,
    now: datetime,
) -> None:
    """Alert the class and the director; a retried request (same key) alerts once."""
    dedupe = f"{actor.account_id}:{key}" if key else str(uuid.uuid4())
    alert_id = await insert_alert(
        uow.session,
        {
            "facility_id": child.facility_id,
            "classroom_id": child.classroom_id,
            "child_id": child.id,
            "kind": AttendanceEvent.PICKUP_REFUSED.value,
            "day": local_day(now),
            "at": now,
            "dedupe_key": f"pickup_refused:{dedupe}",
            "guardian_id": presenter.guardian_id,
            "pickup_person_id": presenter.pickup_person_id,
        },
    )
    if alert_id is None:
        return
    await audit.append(
        uow.session,
        actor,
        [AuditRecord("refuse", "pickup", "attendance_alert", alert_id, child.facility_id)],
    )
    await alert_to_class_and_facility(
        uow,
        AttendanceEvent.PICKUP_REFUSED,
        facility_id=child.facility_id,
        classroom_id=child.classroom_id,
        subject_id=child.id,
        child_id=child.id,
        alert_id=alert_id,
    )


async def raise_missing_arrival_alerts(
    services: Services, facility_id: uuid.UUID, day: date
) -> int:
    """Alert every child of the facility with no stamp and no notice on ``day``.

    Does nothing before the facility's arrival cutoff on that day, or on a
    closed day. Returns how many alerts it raised now (0 when re-run).
    """
    async with services.sessions() as session:
        cutoff = await arrival_cutoff_of(session, facility_id)
        if cutoff is None or not is_open_day(day) or services.clock() < at_local(day, cutoff):
            return 0
        missing = await children_missing(session, facility_id, day)
    raised = 0
    for classroom_id, group in itertools.groupby(missing, key=lambda pair: pair[1]):
        children = [child for child, _ in group]
        raised += await _raise_for_class(services, facility_id, classroom_id, children, day)
    return raised


async def _raise_for_class(
    services: Services,
    facility_id: uuid.UUID,
    classroom_id: uuid.UUID,
    children: list[uuid.UUID],
    day: date,
) -> int:
    """One transaction per class: one classroom stream head, then the facility's."""
    now = services.clock()
    raised: list[tuple[uuid.UUID, uuid.UUID]] = []
    async with unit_of_work(services) as uow:
        for child_id in children:
            alert_id = await insert_alert(
                uow.session,
                {
                    "facility_id": facility_id,
                    "classroom_id": classroom_id,
                    "child_id": child_id,
                    "kind": AttendanceEvent.MISSING_ARRIVAL.value,
                    "day": day,
                    "at": now,
                    "dedupe_key": f"missing_arrival:{child_id}:{day.isoformat()}",
                },
            )
            if alert_id is not None:
                raised.append((child_id, alert_id))
        for child_id, alert_id in raised:
            await alert_to_class_and_facility(
                uow,
                AttendanceEvent.MISSING_ARRIVAL,
                facility_id=facility_id,
                classroom_id=classroom_id,
                subject_id=child_id,
                child_id=child_id,
                alert_id=alert_id,
            )
        records = [
            AuditRecord("create", "missing_arrival", "attendance_alert", alert_id, facility_id)
            for _, alert_id in raised
        ]
        await audit.append(uow.session, None, records, role=SYSTEM)
    return len(raised)


async def run_due_missing_arrival_alerts(
    services: Services, *, skip: Collection[uuid.UUID] = ()
) -> dict[uuid.UUID, int]:
    """Every facility whose cutoff has passed today (bar ``skip``): alerts raised now."""
    now = services.clock()
    today = local_day(now)
    async with services.sessions() as session:
        facilities = await arrival_cutoffs(session)
    return {
        facility_id: await raise_missing_arrival_alerts(services, facility_id, today)
        for facility_id, cutoff in facilities
        if facility_id not in skip and now >= at_local(today, cutoff)
    }
