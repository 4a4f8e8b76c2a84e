"""The one raw-driver path: statements built with SQLAlchemy, run on asyncpg itself.

SQLAlchemy's execution path costs about 1 ms of CPU per statement more than
asyncpg on this machine, and the morning rush (stamps) and a class roster
(loaders) run several. So the hot statements are still *built* with
SQLAlchemy (one definition of tables, columns and scope predicates), compiled
here once per (statement, scope shape), and run on the driver connection.

What this module relies on is public and pinned by
``tests/unit/test_driver_contract.py``: ``AsyncConnection.get_raw_connection()``
and its ``driver_connection``, ``exec_driver_sql``, the asyncpg dialect's
``$n`` placeholders, and a compiled statement's ``positiontup``/``binds``.

What it refuses to do:

- run a statement outside the caller's transaction. SQLAlchemy's asyncpg
  adapter sends BEGIN with the first statement it runs, so while the driver
  is not yet inside a transaction the statement goes through
  ``exec_driver_sql`` (SQLAlchemy begins, then runs it); later ones go
  straight to the driver, on the very connection, and commit or roll back
  with the unit of work.
- leak an actor's values: a compiled statement keeps only the values of
  anonymous literals inside it (``literal("x")``); every named parameter
  (the scope's included) is bound from the current call, and a missing one
  is an error rather than a silent fallback.
- raise driver exceptions: asyncpg's errors become the ``sqlalchemy.exc``
  exceptions SQLAlchemy itself would raise for them, so a handler of
  ``IntegrityError`` sees both paths alike.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler

from domain.roles import Actor
from persistence.scope import scope_shape, scope_values

Db = AsyncSession | AsyncConnection | AsyncEngine

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]

# Called with each statement's SQL before it runs on the driver (tests count statements
# here, as they do with SQLAlchemy's before_cursor_execute for statements it runs).
statement_observers: list[Callable[[str], None]] = []


class Record(asyncpg.Record):  # type: ignore[misc]  # asyncpg ships no type hints
    """An asyncpg record that also answers ``row.column`` like a SQLAlchemy row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, eq=False)
class Statement:
    """A statement of the driver path. ``build`` makes it for an actor (None for one
    that does not depend on who runs it); its SQL may depend on the actor's scope
    shape only, never on the values, which are bound at each run."""

    name: str
    build: Callable[[Actor | None], Executable]

    @classmethod
    def fixed(cls, name: str, statement: Executable) -> Statement:
        return cls(name, lambda _actor: statement)

    @classmethod
    def scoped(cls, name: str, build: Callable[[Actor], Executable]) -> Statement:
        """A statement with the actor's scope in it: run it with ``actor=``."""

        def for_actor(actor: Actor | None) -> Executable:
            if actor is None:
                raise TypeError(f"{name} is scoped: run it with the actor")
            return build(actor)

        return cls(name, for_actor)


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    order: tuple[str, ...]
    constants: Mapping[str, Any]  # anonymous literals inside the statement, never an actor's

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional values: the caller's, else the statement's own literals."""
        missing = [n for n in self.order if n not in values and n not in self.constants]
        if missing:
            raise KeyError(f"no value for {', '.join(missing)} in {self.sql!r}")
        return [values[n] if n in values else self.constants[n] for n in self.order]


# The one statement cache: everything the SQL depends on is in the key.
_cache: dict[tuple[Statement, Hashable], Compiled] = {}


def compiled(statement: Statement, actor: Actor | None) -> Compiled:
    key = (statement, None if actor is None else scope_shape(actor))
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = compile_for_driver(statement.build(actor))
    return found


def compile_for_driver(statement: Executable) -> Compiled:
    result = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
    assert isinstance(result, SQLCompiler)
    # Named parameters (the scope's, the caller's) are dropped: only ``unique`` (anonymous)
    # binds, which SQLAlchemy makes for literals, keep their value.
    constants = {name: bind.value for name, bind in result.binds.items() if bind.unique}
    return Compiled(result.string, tuple(result.positiontup or ()), constants)


def values_of(actor: Actor | None, values: Mapping[str, Any]) -> dict[str, Any]:
    return {**(scope_values(actor) if actor is not None else {}), **values}


async def fetch(
    db: Db, statement: Statement, values: Mapping[str, Any], *, actor: Actor | None = None
) -> Sequence[Any]:
    """Rows (attribute and index access) of one statement for ``actor``.

    On a session or connection it runs in that transaction; on an engine, on a pooled
    connection of its own (meant for an autocommit engine: one statement, no BEGIN).
    """
    sql = compiled(statement, actor)
    params = sql.bind(values_of(actor, values))
    if isinstance(db, AsyncEngine):
        async with db.connect() as connection:
            # One statement on its own: no transaction to join, so always the driver.
            return await _run(connection, sql.sql, params, alone=True)
    connection = db if isinstance(db, AsyncConnection) else await db.connection()
    return await _run(connection, sql.sql, params, alone=False)


async def _run(
    connection: AsyncConnection, sql: str, params: list[Any], *, alone: bool
) -> Sequence[Any]:
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the connection has no asyncpg driver connection")
    if not alone and not driver.is_in_transaction():
        # SQLAlchemy begins its transaction (if any) with this statement and reports it.
        result = await connection.exec_driver_sql(sql, tuple(params))
        return result.all() if result.returns_rows else []
    for observe in statement_observers:
        observe(sql)
    try:
        rows: list[Record] = await driver.fetch(sql, *params, record_class=Record)
    except asyncpg.PostgresError as error:
        raise translated(error, sql, params) from error
    return rows


# As SQLAlchemy's asyncpg dialect maps them, most specific first.
_TRANSLATION: tuple[tuple[type[BaseException], type[exc.DBAPIError]], ...] = (
    (asyncpg.IntegrityConstraintViolationError, exc.IntegrityError),
    (asyncpg.SyntaxOrAccessError, exc.ProgrammingError),
    (asyncpg.InternalServerError, exc.InternalError),
    (asyncpg.PostgresError, exc.DBAPIError),
)


def translated(error: asyncpg.PostgresError, sql: str, params: Sequence[Any]) -> exc.DBAPIError:
    """The ``sqlalchemy.exc`` exception SQLAlchemy raises for this driver error."""
    for driver_error, ours in _TRANSLATION:
        if isinstance(error, driver_error):
            return ours(sql, tuple(params), error)
    raise AssertionError("PostgresError is the last entry")  # pragma: no cover


Build = Callable[[Actor, Sequence[uuid.UUID]], Executable]
Reader = AsyncSession | AsyncConnection | AsyncEngine


@functools.cache
def _batch(build: Build) -> Statement:
    # The keys are one array parameter ("keys"), so the SQL is the same for any batch.
    return Statement.scoped(build.__qualname__, lambda actor: build(actor, []))


async def read_batch(
    reader: Reader, build: Build, actor: Actor, keys: Sequence[uuid.UUID]
) -> Sequence[Any]:
    """A scoped batch read (one statement, keys bound as ``keys``). On an engine it takes
    the driver path; on a session or connection it runs through SQLAlchemy as built."""
    if isinstance(reader, AsyncEngine):
        return await fetch(reader, _batch(build), {"keys": list(keys)}, actor=actor)
    return (await reader.execute(build(actor, keys))).all()
