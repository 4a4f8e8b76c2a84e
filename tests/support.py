"""Test helpers: a GraphQL client over real HTTP plumbing, a clock tests can move, and
the statements an operation runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event

from persistence import driver
from resolvers.services import Services


class MutableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Result:
    data: Any
    errors: list[dict[str, Any]]

    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]

    def error_paths(self) -> list[list[Any]]:
        return [e.get("path") for e in self.errors]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> Result:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Result(body.get("data"), body.get("errors") or [])

    async def login(self, login_id: str, password: str) -> str:
        result = await self(
            "mutation($l: String!, $p: String!) {"
            " login(loginId: $l, password: $p) { accessToken } }",
            {"l": login_id, "p": password},
        )
        assert not result.errors, result.errors
        return str(result.data["login"]["accessToken"])


@contextmanager
def recorded_statements(services: Services) -> Iterator[list[str]]:
    """The SQL of every statement run while inside: SQLAlchemy's (both pools) and the
    driver path's (``persistence.driver.statement_observers``)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    # Units of work and single-statement reads have separate pools: count both.
    engines = [e.sync_engine for e in (services.engine, services.reads) if e is not None]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    driver.statement_observers.append(statements.append)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
        driver.statement_observers.remove(statements.append)
