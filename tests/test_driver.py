"""The raw-driver path (``persistence/driver.py``): what it relies on from SQLAlchemy and
asyncpg, that it stays inside the caller's transaction, that its errors are SQLAlchemy's,
and that a statement compiled for one actor never carries that actor's values to another."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy import bindparam, exc, func, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from domain.roles import Actor, Role
from persistence import driver
from persistence.attendance import stamps as attendance
from persistence.driver import Statement
from persistence.models import ChildRow
from persistence.records import family
from persistence.scope import child_scope, scope_shape
from resolvers.services import Services
from tests.factories import build_world
from tests.support import recorded_statements

_SCRATCH = "CREATE TEMP TABLE IF NOT EXISTS driver_scratch (id int PRIMARY KEY) ON COMMIT DROP"
_INSERT = Statement.fixed("test.insert", text("INSERT INTO driver_scratch (id) VALUES (:id)"))
_DIVIDE = Statement.fixed("test.divide", text("SELECT 1 / CAST(:zero AS int)"))
_SYNTAX = Statement.fixed("test.syntax", text("SELEC :x"))


def _director(facility_id: uuid.UUID) -> Actor:
    return Actor(uuid.uuid4(), Role.DIRECTOR, facility_id=facility_id)


# What the path relies on, so that an upgrade of SQLAlchemy or asyncpg that changes it
# fails here rather than in production.


def test_the_asyncpg_dialect_compiles_numbered_placeholders_in_positiontup_order() -> None:
    statement = select(ChildRow.id).where(
        ChildRow.facility_id == bindparam("b"), ChildRow.id == bindparam("a")
    )
    compiled = statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
    assert isinstance(compiled, SQLCompiler)
    assert compiled.positiontup == ["b", "a"]
    assert "$1" in compiled.string and "$2" in compiled.string


def test_only_anonymous_literals_are_kept_as_constants() -> None:
    statement = select(literal("x") + func.left(bindparam("named", "first actor's"), 3))
    compiled = driver.compile_for_driver(statement)
    assert "first actor's" not in compiled.constants.values()
    assert set(compiled.constants.values()) == {3, "x"}
    with pytest.raises(KeyError, match="named"):
        compiled.bind({})
    assert compiled.bind({"named": "mine"})[compiled.order.index("named")] == "mine"


async def test_the_driver_connection_is_public_and_joins_the_session_transaction(
    services: Services,
) -> None:
    async with services.sessions() as session:
        connection = await session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, asyncpg.Connection)
        # SQLAlchemy has not sent BEGIN yet: the first statement goes through it.
        assert not raw.is_in_transaction()
        with recorded_statements(services) as statements:
            await driver.fetch(session, Statement.fixed("test.scratch", text(_SCRATCH)), {})
            assert raw.is_in_transaction()
            await driver.fetch(session, _INSERT, {"id": 1})
        assert len(statements) == 2
        await session.rollback()
        assert not raw.is_in_transaction()


async def test_statements_on_the_driver_commit_and_roll_back_with_the_unit_of_work(
    services: Services,
) -> None:
    table = f"driver_probe_{uuid.uuid4().hex[:8]}"
    create = Statement.fixed("test.create", text(f"CREATE TABLE {table} (id int PRIMARY KEY)"))
    insert = Statement.fixed("test.probe", text(f"INSERT INTO {table} VALUES (:id)"))
    count = Statement.fixed("test.count", text(f"SELECT count(*) FROM {table}"))
    async with services.sessions.begin() as session:
        await driver.fetch(session, create, {})
        await driver.fetch(session, insert, {"id": 1})
    async with services.sessions() as session:
        await driver.fetch(session, insert, {"id": 2})  # SQLAlchemy's BEGIN, through it
        await driver.fetch(session, insert, {"id": 3})  # on the driver, same transaction
        await session.rollback()
    assert [tuple(r) for r in await driver.fetch(services.engine, count, {})] == [(1,)]
    async with services.engine.begin() as connection:
        await connection.exec_driver_sql(f"DROP TABLE {table}")


@pytest.mark.parametrize(
    ("statement", "values", "expected"),
    [
        (_INSERT, {"id": 1}, exc.IntegrityError),
        (_DIVIDE, {"zero": 0}, exc.DBAPIError),
        (_SYNTAX, {"x": 1}, exc.ProgrammingError),
    ],
)
async def test_driver_errors_are_the_ones_sqlalchemy_raises(
    services: Services, statement: Statement, values: dict[str, int], expected: type[Exception]
) -> None:
    """The same failing statement, once through SQLAlchemy (first in the transaction) and
    once on the driver (second): the same exception class either way."""

    async def fail(session: AsyncSession, *, on_driver: bool) -> type[Exception]:
        await driver.fetch(session, Statement.fixed("test.scratch", text(_SCRATCH)), {})
        if statement is _INSERT:
            await driver.fetch(session, _INSERT, {"id": 1})
        connection = await session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None and raw.is_in_transaction() is on_driver
        with pytest.raises(exc.DBAPIError) as raised:
            await driver.fetch(session, statement, values)
        return type(raised.value)

    async with services.sessions() as session:
        on_driver = await fail(session, on_driver=True)
    async with services.sessions() as session:
        connection = await session.connection()
        await connection.exec_driver_sql(_SCRATCH)
        await connection.exec_driver_sql("INSERT INTO driver_scratch VALUES (1)")
        with pytest.raises(exc.DBAPIError) as raised:
            await connection.exec_driver_sql(
                driver.compiled(statement, None).sql,
                tuple(driver.compiled(statement, None).bind(values)),
            )
        through_sqlalchemy = type(raised.value)
    assert on_driver is through_sqlalchemy is expected


async def test_two_actors_of_one_scope_shape_never_see_each_others_values(
    services: Services,
) -> None:
    """One compiled statement serves both directors; each is bound to their own facility."""
    first, second = await build_world(services.sessions), await build_world(services.sessions)
    one, other = _director(first.facility.id), _director(second.facility.id)
    assert scope_shape(one) == scope_shape(other)
    mine, theirs = first.families_a[0].child.id, second.families_a[0].child.id
    for reader in (services.reads, services.engine):
        assert reader is not None
        assert [r and r.id for r in await family.children_by_ids(reader, one, [mine, theirs])] == [
            mine,
            None,
        ]
        assert [
            r and r.id for r in await family.children_by_ids(reader, other, [mine, theirs])
        ] == [None, theirs]
    async with services.sessions.begin() as session:
        await driver.fetch(session, Statement.fixed("test.scratch", text(_SCRATCH)), {})
        # Now on the driver itself, the second actor right after the first:
        assert (await attendance.stamp_target(session, one, mine)) is not None
        assert (await attendance.stamp_target(session, other, mine)) is None
        assert (await attendance.stamp_target(session, other, theirs)) is not None
        assert (await attendance.stamp_target(session, one, theirs)) is None


def test_the_cache_holds_one_statement_per_shape_without_anyones_values() -> None:
    scoped = Statement.scoped(
        "test.scoped",
        lambda actor: select(ChildRow.id).where(ChildRow.id == bindparam("id"), child_scope(actor)),
    )
    one, other = _director(uuid.uuid4()), _director(uuid.uuid4())
    assert driver.compiled(scoped, one) is driver.compiled(scoped, other)
    assert driver.compiled(scoped, one).constants == {}
    assert "scope_facility_id" in driver.compiled(scoped, one).order
    teacher = Actor(uuid.uuid4(), Role.TEACHER, facility_id=uuid.uuid4())
    assert driver.compiled(scoped, teacher).sql != driver.compiled(scoped, one).sql
    with pytest.raises(TypeError, match="scoped"):
        driver.compiled(scoped, None)
