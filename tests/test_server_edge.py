"""The HTTP edge on a real server, run the way operators run it.

Body limits before reading the body, whose X-Forwarded-For the audit log
believes, the API's statement timeout, and production never seeding the demo
accounts: each depends on the process (uvicorn, the CLI), so each runs one.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from hoiku.app import _services
from hoiku.settings import Settings
from persistence.db import make_engine
from resolvers.services import Services
from tests.factories import PASSWORD, build_world
from tests.server import running_server
from tests.services import ADMIN_URL

LOGIN = "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }"


def _raw_exchange(base_url: str, head: bytes) -> bytes:
    """Send only request headers; read what the server answers before any body."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(head)
        answer = b""
        while chunk := connection.recv(65_536):
            answer += chunk
    return answer


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(database_url: str) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: hoiku.test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000000\r\n\r\n"
    )
    with running_server(database_url) as base_url:
        answer = _raw_exchange(base_url, head)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"code": "REQUEST_TOO_LARGE"' in answer


async def _login_client(services: Services, login_id: str) -> str:
    async with services.engine.connect() as connection:
        client = await connection.scalar(
            text(
                "SELECT a.client FROM audit_log a JOIN account c ON c.id = a.account_id"
                " WHERE a.action = 'login' AND c.login_id = :login ORDER BY a.seq DESC LIMIT 1"
            ),
            {"login": login_id},
        )
    return str(client)


@pytest.mark.parametrize(
    ("trusted", "recorded"),
    [(None, "127.0.0.1"), ("127.0.0.1", "203.0.113.7"), ("10.0.0.0/8", "127.0.0.1")],
    ids=["no_proxy_configured", "peer_is_a_trusted_proxy", "peer_is_not_a_trusted_proxy"],
)
async def test_the_audit_log_believes_x_forwarded_for_only_from_trusted_proxies(
    database_url: str, services: Services, trusted: str | None, recorded: str
) -> None:
    world = await build_world(services.sessions)
    login_id = world.logins["teacher"]
    env = {"HOIKU_TRUSTED_PROXIES": trusted} if trusted else {}
    with running_server(database_url, env=env, serve_args=["--no-seed"]) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http:
            response = await http.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"l": login_id, "p": PASSWORD}},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "User-Agent": "t"},
            )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    assert await _login_client(services, login_id) == f"{recorded} t"


def test_only_the_api_engines_carry_the_statement_timeout(database_url: str) -> None:
    async def timeouts() -> list[str]:
        services = _services(Settings(statement_timeout_ms=1500), database_url)
        cli = make_engine(database_url, pool_size=1)  # what seeding and CLI jobs build
        shown = []
        for engine in (services.engine, services.reads, cli):
            assert engine is not None
            async with engine.connect() as connection:
                shown.append(str(await connection.scalar(text("SHOW statement_timeout"))))
            await engine.dispose()
        return shown

    assert asyncio.run(timeouts()) == ["1500ms", "1500ms", "0"]


async def test_a_statement_cancelled_by_the_timeout_answers_timeout(
    database_url: str, services: Services
) -> None:
    """Another transaction holds the children's table: the read waits past the timeout."""
    world = await build_world(services.sessions)
    env = {"HOIKU_STATEMENT_TIMEOUT_MS": "300"}
    with running_server(database_url, env=env, serve_args=["--no-seed"]) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            login = await http.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"l": world.logins["director"], "p": PASSWORD}},
            )
            token = login.json()["data"]["login"]["accessToken"]
            holder = await asyncpg.connect(database_url)
            try:
                async with holder.transaction():
                    await holder.execute("LOCK TABLE child IN ACCESS EXCLUSIVE MODE")
                    response = await http.post(
                        "/graphql",
                        json={"query": "{ children(first: 5) { nodes { id } } }"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
            finally:
                await holder.close()
    body = response.json()
    assert body["data"] is None
    assert [(e["extensions"], e["path"]) for e in body["errors"]] == [
        ({"code": "TIMEOUT"}, ["children"])
    ]
    assert body["errors"][0]["message"] == (
        "The request took too long and was stopped; ask for less, or try again later"
    )


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    name = f"hoiku_empty_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_production_serve_never_seeds_the_demo_accounts(empty_database_url: str) -> None:
    env = {
        "HOIKU_ENV": "production",
        "HOIKU_SECRET_KEY": "p" * 40,
        "HOIKU_DATA_KEY": "k1:" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode(),
    }
    with running_server(empty_database_url, env=env, serve_args=[]) as base_url:
        response = httpx.post(
            f"{base_url}/graphql",
            json={"query": LOGIN, "variables": {"l": "f01.director", "p": "hoiku-demo"}},
        )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]

    async def accounts() -> int:
        connection = await asyncpg.connect(empty_database_url)
        try:
            return int(await connection.fetchval("SELECT count(*) FROM account"))
        finally:
            await connection.close()

    assert asyncio.run(accounts()) == 0
