"""The missing-arrival rule is stated once, in ``domain.attendance.is_missing_at_cutoff``;
the job's SQL (``attendance_alerts.children_missing``) is its translation for a whole
facility at once. On generated days of stamps (voided, corrected, either kind) and
notices (every kind, covering the day or not) both pick exactly the same children."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.attendance import NoticeKind, NoticeSpan, Stamp, StampKind, is_missing_at_cutoff
from persistence.attendance.alerts import children_missing
from persistence.models import AccountRow, AttendanceNoticeRow, AttendanceStampRow, ChildRow
from resolvers.services import Services
from tests.factories import build_world

DAY = datetime(2031, 6, 10, tzinfo=UTC).date()  # a Tuesday, far from any other test's days


def _stamps(rng: random.Random, child: ChildRow, account: uuid.UUID) -> list[AttendanceStampRow]:
    rows: list[AttendanceStampRow] = []
    for n in range(rng.choice([0, 0, 1, 1, 2])):
        at = datetime(2031, 6, 10, 8, tzinfo=UTC) + timedelta(minutes=10 * n)
        corrects = rng.choice([None, None, *(r.id for r in rows)])
        rows.append(
            AttendanceStampRow(
                id=uuid.uuid4(),
                child_id=child.id,
                facility_id=child.facility_id,
                classroom_id=child.classroom_id,
                day=DAY,
                kind=rng.choice(list(StampKind)).value,
                at=at,
                recorded_at=at,
                method="staff",
                account_id=account,
                corrects_id=corrects,
                voided=rng.random() < 0.3,
            )
        )
    return rows


def _notices(rng: random.Random, child: ChildRow, account: uuid.UUID) -> list[AttendanceNoticeRow]:
    rows = []
    for _ in range(rng.choice([0, 0, 1, 2])):
        start = DAY + timedelta(days=rng.randint(-2, 1))
        rows.append(
            AttendanceNoticeRow(
                id=uuid.uuid4(),
                child_id=child.id,
                facility_id=child.facility_id,
                classroom_id=child.classroom_id,
                kind=rng.choice(list(NoticeKind)).value,
                start_date=start,
                end_date=start + timedelta(days=rng.randint(0, 2)),
                sent_by=account,
                sent_at=datetime(2031, 6, 9, tzinfo=UTC),
            )
        )
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_sql_picks_the_children_the_domain_rule_picks(
    services: Services, seed: int
) -> None:
    rng = random.Random(seed)
    world = await build_world(services.sessions, per_room=8)
    children = [f.child for f in (*world.families_a, *world.families_b)]
    expected: set[uuid.UUID] = set()
    async with services.sessions.begin() as session:
        account = await session.scalar(select(AccountRow.id).limit(1))
        assert account is not None
        for child in children:
            stamps, notices = _stamps(rng, child, account), _notices(rng, child, account)
            for row in stamps:  # one by one: a correction refers to an earlier stamp
                session.add(row)
                await session.flush()
            session.add_all(notices)
            domain_stamps = [
                Stamp(s.id, StampKind(s.kind), s.at, s.corrects_id, s.voided) for s in stamps
            ]
            spans = [NoticeSpan(NoticeKind(n.kind), n.start_date, n.end_date) for n in notices]
            if is_missing_at_cutoff(domain_stamps, spans, DAY):
                expected.add(child.id)
    async with services.sessions() as session:
        found = {child for child, _ in await children_missing(session, world.facility.id, DAY)}
    assert found == expected
    assert 0 < len(expected) < len(children)  # the inputs exercise both answers
