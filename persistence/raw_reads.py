"""Hot single-statement reads on the asyncpg driver, compiled once per shape.

SQLAlchemy builds every statement (so scope predicates and columns are defined
once, in ``persistence/scope.py`` and the repositories), but its execution
path cost ~1.4 ms of CPU per SELECT on this machine against ~0.3 ms for asyncpg
itself, and a class roster makes several. Here a statement is compiled once
per (query, scope shape) and then run on the driver connection with the
actor's values; rows come back as read-only records with attribute access.
Result types are the driver's: sealed columns arrive as bytes and are opened
by the field guard, as on the SQLAlchemy path.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.roles import Actor
from persistence.scope import scope_shape, scope_values

Build = Callable[[Actor, Sequence[uuid.UUID]], Select[Any]]

_compiled: dict[tuple[str, Hashable], tuple[str, tuple[str, ...]]] = {}

# Called with each statement's SQL before it runs (tests count statements here,
# as they do with SQLAlchemy's before_cursor_execute for the other paths).
statement_observers: list[Callable[[str], None]] = []


class Record(asyncpg.Record):  # type: ignore[misc]  # asyncpg ships no type hints
    """An asyncpg record that also answers ``row.column`` like a SQLAlchemy row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class RawReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fetch(
        self, name: str, build: Build, actor: Actor, keys: Sequence[uuid.UUID]
    ) -> list[Record]:
        sql, order = self._compile(name, build, actor, keys)
        values = {**scope_values(actor), "keys": list(keys)}
        rows: list[Record] = await on_driver(
            self._engine, sql, [values[n] for n in order], fetch=True
        )
        return rows

    def _compile(
        self, name: str, build: Build, actor: Actor, keys: Sequence[uuid.UUID]
    ) -> tuple[str, tuple[str, ...]]:
        key = (name, scope_shape(actor))
        compiled = _compiled.get(key)
        if compiled is None:
            statement = build(actor, keys).compile(dialect=self._engine.dialect)
            compiled = _compiled[key] = (statement.string, tuple(statement.positiontup or ()))
        return compiled


async def on_driver(engine: AsyncEngine, sql: str, params: list[Any], *, fetch: bool) -> Any:
    """Run one statement on a pooled connection's asyncpg driver (autocommit engine)."""
    for observe in statement_observers:
        observe(sql)
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        if fetch:
            return await driver.fetch(sql, *params, record_class=Record)
        return await driver.execute(sql, *params)
