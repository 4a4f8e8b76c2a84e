"""Build small, self-contained worlds of records for tests (no demo data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hoiku.security import hash_password
from persistence.models import (
    AccountClassroomRow,
    AccountRow,
    ChildRow,
    ClassroomRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
    HouseholdMemberRow,
    PickupPersonRow,
    WardRow,
)

PASSWORD = "correct horse battery staple"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Family:
    child: ChildRow
    guardian: GuardianRow
    co_guardian: GuardianRow
    guardian_login: str
    co_guardian_login: str


@dataclass
class World:
    """One facility with two classrooms, families in each, and an account per role."""

    tag: str
    ward: WardRow
    facility: FacilityRow
    room_a: ClassroomRow
    room_b: ClassroomRow
    families_a: list[Family] = field(default_factory=list)
    families_b: list[Family] = field(default_factory=list)
    logins: dict[str, str] = field(default_factory=dict)  # role key -> login id

    @property
    def family(self) -> Family:
        return self.families_a[0]


def _guardian(tag: str, n: int, given: str) -> GuardianRow:
    return GuardianRow(
        id=uuid.uuid4(),
        family_name="山田",
        given_name=given,
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        date_of_birth=date(1988, 5, 1),
        nationality="日本",
        address=f"東京都架空区桜町{n}丁目",
        home_phone="03-1234-5678",
        mobile_phone="090-1234-5678",
        fax="03-1234-5679",
        employer_name="株式会社みどり商事",
        employer_address="東京都架空区本町1",
        employer_phone="03-9999-0000",
        family_situation="ひとり親家庭",
        illness="持病あり",
        disability="なし",
        residence_situation="区内在住",
    )


async def _family(session: AsyncSession, world: World, room: ClassroomRow, n: int) -> Family:
    child = ChildRow(
        id=uuid.uuid4(),
        facility_id=world.facility.id,
        classroom_id=room.id,
        family_name="山田",
        given_name=f"花子{n}",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        sex="female",
        date_of_birth=date(2022, 6, 1),
        nationality="日本",
        certified_hours="standard",
        health_status="良好",
        growth_status="順調",
        care_notes="午睡が短め",
        family_doctor="さくら小児科",
        allergies=[{"allergen": "卵", "severity": "complete_removal", "note": "加熱卵も不可"}],
    )
    guardian, co_guardian = _guardian(world.tag, n, "太郎"), _guardian(world.tag, n, "花江")
    session.add_all([child, guardian, co_guardian])
    await session.flush()
    session.add_all(
        [
            GuardianshipRow(
                child_id=child.id,
                guardian_id=guardian.id,
                relationship="父",
                is_primary_contact=True,
                may_pick_up=True,
            ),
            GuardianshipRow(
                child_id=child.id,
                guardian_id=co_guardian.id,
                relationship="母",
                pickup_restricted=True,
                pickup_restriction_reason="接近禁止命令",
            ),
            HouseholdMemberRow(
                child_id=child.id,
                details={
                    "name": "山田 一郎",
                    "relationship": "祖父",
                    "sex": "male",
                    "date_of_birth": "1950-01-01",
                },
            ),
            PickupPersonRow(
                child_id=child.id,
                name="山田 梅",
                name_kana="ヤマダ ウメ",
                relationship="祖母",
                phone="090-0000-1111",
            ),
        ]
    )
    logins = (f"{world.tag}.g{room.name}{n}", f"{world.tag}.c{room.name}{n}")
    for login, g in zip(logins, (guardian, co_guardian), strict=True):
        session.add(
            AccountRow(
                login_id=login,
                password_hash=password_hash(),
                role="guardian",
                display_name=g.given_name,
                guardian_id=g.id,
            )
        )
    return Family(child, guardian, co_guardian, *logins)


async def build_world(sessions: async_sessionmaker[AsyncSession], *, per_room: int = 2) -> World:
    tag = uuid.uuid4().hex[:8]
    async with sessions.begin() as session:
        ward = WardRow(id=uuid.uuid4(), name="架空区")
        facility = FacilityRow(
            id=uuid.uuid4(),
            ward_id=ward.id,
            code=f"T{tag}",
            name="区立テスト保育園",
            name_kana="クリツテストホイクエン",
        )
        room_a = ClassroomRow(
            id=uuid.uuid4(),
            facility_id=facility.id,
            fiscal_year=2026,
            name="a",
            name_kana="エー",
            age_min=3,
            age_max=3,
        )
        room_b = ClassroomRow(
            id=uuid.uuid4(),
            facility_id=facility.id,
            fiscal_year=2026,
            name="b",
            name_kana="ビー",
            age_min=4,
            age_max=4,
        )
        session.add(ward)
        await session.flush()
        session.add(facility)
        await session.flush()
        session.add_all([room_a, room_b])
        await session.flush()
        world = World(tag, ward, facility, room_a, room_b)
        for n in range(per_room):
            world.families_a.append(await _family(session, world, room_a, n))
            world.families_b.append(await _family(session, world, room_b, n))
        for role in ("ward_admin", "director", "nurse", "clerk", "teacher", "kiosk", "reporter"):
            login = f"{tag}.{role}"
            facility_id = None if role in ("ward_admin", "reporter") else facility.id
            account = AccountRow(
                id=uuid.uuid4(),
                login_id=login,
                password_hash=password_hash(),
                role=role,
                display_name=role,
                facility_id=facility_id,
            )
            session.add(account)
            world.logins[role] = login
            if role == "teacher":
                await session.flush()
                session.add(AccountClassroomRow(account_id=account.id, classroom_id=room_a.id))
        world.logins["guardian"] = world.family.guardian_login
    return world
