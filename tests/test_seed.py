"""The demo ward of PRODUCT.md, seeded for real into databases of its own.

The run's shared database holds other tests' facilities, and the seed only runs
into an empty one, so these tests create two fresh databases, seed both at full
scale (a few seconds each) and compare them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.validation import fiscal_year_of, require_kana
from hoiku.app import create_app
from hoiku.security import TokenIssuer
from hoiku.seeding import DEMO_PASSWORD, seed_demo_if_empty
from hoiku.settings import DEFAULT_DATA_KEY, Settings
from persistence.db import make_engine, make_sessionmaker
from persistence.demo.rows import demo_id
from persistence.migrate import upgrade
from persistence.models import (
    AccountClassroomRow,
    AccountRow,
    ChildRow,
    ClassroomRow,
    EnrolmentRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
    HouseholdMemberRow,
    PickupPersonRow,
)
from resolvers.services import Services
from tests.support import GraphQLClient

ADMIN_URL = os.environ.get("HOIKU_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
SETTINGS = Settings(data_key=DEFAULT_DATA_KEY)
STAFF_LOGINS = ["director", "nurse", "clerk", *(f"teacher{age}" for age in range(6)), "kiosk"]


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _fresh_database(names: list[str]) -> str:
    name = f"hoiku_seed_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        await _admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    names.append(name)
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
    return url


@pytest.fixture(scope="module")
async def seeded() -> AsyncIterator[tuple[AsyncEngine, AsyncEngine, float]]:
    """Two fresh databases, each seeded once; and how long the first seed took."""
    names: list[str] = []
    engines: list[AsyncEngine] = []
    try:
        first, second = await _fresh_database(names), await _fresh_database(names)
        started = asyncio.get_running_loop().time()
        assert await seed_demo_if_empty(SETTINGS, first, show_progress=False) is True
        elapsed = asyncio.get_running_loop().time() - started
        assert await seed_demo_if_empty(SETTINGS, second, show_progress=False) is True
        engines = [make_engine(first, pool_size=2), make_engine(second, pool_size=2)]
        yield engines[0], engines[1], elapsed
    finally:
        for engine in engines:
            await engine.dispose()
        for name in names:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _count(engine: AsyncEngine, model: type, *where: object) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await connection.scalar(query) or 0)


async def test_the_ward_has_the_customers_size(seeded):
    engine, _, elapsed = seeded
    this_year = fiscal_year_of(datetime.now(UTC).date())
    assert await _count(engine, FacilityRow) == 25
    assert await _count(engine, ClassroomRow, ClassroomRow.fiscal_year == this_year) == 150
    assert await _count(engine, ChildRow) == 2524
    assert await _count(engine, EnrolmentRow, EnrolmentRow.fiscal_year == this_year) == 2524
    assert 4500 <= await _count(engine, GuardianRow) <= 5500
    assert elapsed < 60, f"the demo seed took {elapsed:.1f} s"


async def test_every_demo_login_of_the_product_brief_exists_with_its_role(seeded):
    engine, _, _ = seeded
    async with engine.connect() as connection:
        accounts = dict(
            (await connection.execute(select(AccountRow.login_id, AccountRow.role))).all()
        )
    expected = {"ward.admin": "ward_admin", "ward.reporter": "reporter"}
    for number in range(1, 26):
        prefix = f"f{number:02d}"
        expected |= {f"{prefix}.{login}": login.rstrip("012345") for login in STAFF_LOGINS}
        expected[f"{prefix}.guardian1"] = "guardian"
    assert {login: accounts.get(login) for login in expected} == expected
    guardians = await _count(engine, GuardianRow)
    assert sum(role == "guardian" for role in accounts.values()) == guardians


async def test_a_demo_teacher_signs_in_and_sees_only_the_age_0_class_of_f01(seeded):
    engine, _, _ = seeded
    services = Services(
        engine=engine,
        sessions=make_sessionmaker(engine),
        tokens=TokenIssuer("test-secret-key-that-is-long-enough-for-hs256", timedelta(minutes=5)),
        clock=lambda: datetime.now(UTC),
        login_max_failures=5,
        login_lock_minutes=15,
    )
    app = create_app(services=services)
    app.state.services = services  # as the lifespan would; ASGITransport runs no lifespan
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hoiku.test") as http:
        api = GraphQLClient(http)
        token = await api.login("f01.teacher0", DEMO_PASSWORD)
        result = await api(
            "{ viewer { role classrooms { id name ageMin ageMax facility { code } } } }",
            token=token,
        )
    assert result.errors == []
    this_year = fiscal_year_of(datetime.now(UTC).date())
    assert result.data["viewer"] == {
        "role": "TEACHER",
        "classrooms": [
            {
                "id": str(demo_id("classroom", f"F01:{this_year}:0")),
                "name": "ひよこ組",
                "ageMin": 0,
                "ageMax": 0,
                "facility": {"code": "F01"},
            }
        ],
    }


async def test_every_kana_reading_passes_the_kana_rule(seeded):
    engine, _, _ = seeded
    columns = [
        (ChildRow.family_name_kana, ChildRow.given_name_kana),
        (GuardianRow.family_name_kana, GuardianRow.given_name_kana),
        (PickupPersonRow.name_kana,),
        (FacilityRow.name_kana,),
        (ClassroomRow.name_kana,),
    ]
    checked = 0
    async with engine.connect() as connection:
        for pair in columns:
            for row in await connection.execute(select(*pair)):
                for value in row:
                    require_kana(value, field="kana")  # raises InvalidInput on a bad one
                    checked += 1
    assert checked > 2 * 2524 + 2 * 4500


async def test_families_are_realistic_siblings_share_guardians_and_care_items_are_sparse(seeded):
    engine, _, _ = seeded
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        children = list(await session.scalars(select(ChildRow)))
        links = list(await session.scalars(select(GuardianshipRow)))
        households = await session.scalar(select(func.count()).select_from(HouseholdMemberRow))
    by_child: dict[uuid.UUID, list[GuardianshipRow]] = {}
    for link in links:
        by_child.setdefault(link.child_id, []).append(link)
    assert len(by_child) == len(children)
    assert all(sum(g.is_primary_contact for g in gs) == 1 for gs in by_child.values())
    restricted = [g for g in links if g.pickup_restricted]
    assert restricted and all(g.pickup_restriction_reason and not g.may_pick_up for g in restricted)
    child_by_id = {c.id: c for c in children}
    siblings: dict[uuid.UUID, list[ChildRow]] = {}
    for link in links:
        siblings.setdefault(link.guardian_id, []).append(child_by_id[link.child_id])
    shared = [kids for kids in siblings.values() if len(kids) > 1]
    assert len(shared) > 100
    for kids in shared:
        assert len({k.facility_id for k in kids}) == 1
        assert len({k.classroom_id for k in kids}) == len(kids)
    with_allergies = sum(bool(c.allergies) for c in children)
    with_health_note = sum(c.health_status is not None for c in children)
    assert 0 < with_allergies < len(children) * 0.15
    assert 0 < with_health_note < len(children) * 0.25
    assert households and households > 100


async def test_seeding_again_changes_nothing(seeded):
    engine, _, _ = seeded
    url = engine.url.render_as_string(hide_password=False)
    before = await _count(engine, ChildRow), await _count(engine, AccountRow)
    assert await seed_demo_if_empty(SETTINGS, url, show_progress=False) is False
    assert (await _count(engine, ChildRow), await _count(engine, AccountRow)) == before


async def _digest(engine: AsyncEngine) -> str:
    queries = [
        select(
            ChildRow.id,
            ChildRow.family_name,
            ChildRow.given_name,
            ChildRow.given_name_kana,
            ChildRow.date_of_birth,
            ChildRow.classroom_id,
        ).order_by(ChildRow.id),
        select(
            GuardianRow.id,
            GuardianRow.family_name,
            GuardianRow.given_name,
            GuardianRow.mobile_phone,
            GuardianRow.address,
        ).order_by(GuardianRow.id),
        select(
            GuardianshipRow.child_id,
            GuardianshipRow.guardian_id,
            GuardianshipRow.is_primary_contact,
        ).order_by(GuardianshipRow.child_id, GuardianshipRow.guardian_id),
        select(AccountRow.id, AccountRow.login_id, AccountRow.guardian_id).order_by(AccountRow.id),
        select(AccountClassroomRow.account_id, AccountClassroomRow.classroom_id).order_by(
            AccountClassroomRow.account_id
        ),
        select(PickupPersonRow.id, PickupPersonRow.name).order_by(PickupPersonRow.id),
    ]
    digest = hashlib.sha256()
    async with engine.connect() as connection:
        for query in queries:
            for row in await connection.execute(query):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


async def test_two_seeds_build_the_same_ward(seeded):
    first, second, _ = seeded
    assert await _digest(first) == await _digest(second)
