"""Engine and session factory; made in the composition root, never at import."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# What the layers above name without importing SQLAlchemy themselves.
Engine: TypeAlias = AsyncEngine
Session: TypeAlias = AsyncSession
Sessions: TypeAlias = async_sessionmaker[AsyncSession]


class ConstraintViolated(Exception):
    """A constraint of the database refused the write (a row inserted concurrently)."""


async def add_and_flush(session: AsyncSession, row: Any) -> None:
    """Insert ``row`` now; ``ConstraintViolated`` if the database refuses it."""
    session.add(row)
    try:
        await session.flush()
    except exc.IntegrityError as error:
        raise ConstraintViolated(str(error.orig)) from error


def async_url(url: str) -> str:
    """Accept ``postgresql://`` URLs from operators; SQLAlchemy wants the driver named."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int | None = None,
    autocommit: bool = False,
    statement_timeout_ms: int = 0,
) -> AsyncEngine:
    """The pool for units of work; ``autocommit=True`` makes the single-statement pool.

    ``statement_timeout_ms`` (0: none) is set on every connection at connect, so a
    statement that runs away is cancelled by PostgreSQL itself.
    """
    server_settings = {"application_name": "hoiku"}
    if statement_timeout_ms:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    return create_async_engine(
        async_url(url),
        isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        # No pre-ping: it costs a round trip per checkout, and a broken
        # connection is invalidated on its first error anyway.
        pool_recycle=1800,
        connect_args={"server_settings": server_settings},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
