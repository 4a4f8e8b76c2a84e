"""Sign-in, lock-out, refresh rotation, logout and bad tokens, as a client sees them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
import pytest_asyncio
from sqlalchemy import delete, select, update

from domain.roles import Actor, Role
from hoiku.security import TokenIssuer
from persistence.models import AccountClassroomRow, AccountRow
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world, password_hash
from tests.support import GraphQLClient, MutableClock, Result

LOGIN = """mutation($l: String!, $p: String!) {
    login(loginId: $l, password: $p) { accessToken refreshToken viewer { loginId } } }"""
REFRESH = """mutation($r: String!) {
    refreshSession(refreshToken: $r) { accessToken refreshToken } }"""
LOGOUT = "mutation($r: String) { logout(refreshToken: $r) }"
VIEWER = "{ viewer { role loginId } }"
BAD_CREDENTIALS = "Login id or password is incorrect"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(services: Services) -> AsyncIterator[World]:
    yield await build_world(services.sessions)


@pytest.fixture
def restore_clock(clock: MutableClock) -> Iterator[MutableClock]:
    saved = clock.now
    yield clock
    clock.now = saved


async def _login(api: GraphQLClient, login_id: str, password: str = PASSWORD) -> Result:
    return await api(LOGIN, {"l": login_id, "p": password})


def _only_error(result: Result) -> tuple[str, str]:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]["message"], result.codes()[0]


async def test_login_token_reads_the_viewer(api: GraphQLClient, world: World) -> None:
    result = await _login(api, world.logins["director"])
    assert result.errors == []
    assert result.data["login"]["viewer"] == {"loginId": world.logins["director"]}
    viewer = await api(VIEWER, token=result.data["login"]["accessToken"])
    assert viewer.errors == []
    assert viewer.data == {"viewer": {"role": "DIRECTOR", "loginId": world.logins["director"]}}


async def test_wrong_password_and_unknown_id_answer_alike(api: GraphQLClient, world: World) -> None:
    wrong = await _login(api, world.logins["nurse"], "not the password")
    unknown = await _login(api, f"nobody-{uuid.uuid4().hex}", PASSWORD)
    assert wrong.data is None and unknown.data is None
    assert _only_error(wrong) == _only_error(unknown) == (BAD_CREDENTIALS, "UNAUTHENTICATED")
    # One failure does not lock: the right password still works.
    assert (await _login(api, world.logins["nurse"])).errors == []


async def _fail_five_times(api: GraphQLClient, login_id: str) -> list[tuple[str, str]]:
    return [_only_error(await _login(api, login_id, f"wrong-{n}")) for n in range(5)]


async def test_five_failures_lock_the_id_without_revealing_whether_it_exists(
    api: GraphQLClient, world: World, restore_clock: MutableClock
) -> None:
    known, unknown = world.logins["clerk"], f"ghost-{uuid.uuid4().hex}"
    assert await _fail_five_times(api, known) == await _fail_five_times(api, unknown)
    locked_known = _only_error(await _login(api, known, PASSWORD))
    locked_unknown = _only_error(await _login(api, unknown, PASSWORD))
    assert locked_known == locked_unknown
    assert locked_known[1] == "RATE_LIMITED"

    restore_clock.advance(timedelta(minutes=14))
    assert _only_error(await _login(api, known))[1] == "RATE_LIMITED"
    restore_clock.advance(timedelta(minutes=1, seconds=1))
    assert (await _login(api, known)).errors == []


async def test_refresh_rotates_and_reuse_revokes_the_family(
    api: GraphQLClient, world: World
) -> None:
    first = (await _login(api, world.logins["teacher"])).data["login"]
    second = await api(REFRESH, {"r": first["refreshToken"]})
    assert second.errors == []
    rotated = second.data["refreshSession"]
    assert rotated["refreshToken"] != first["refreshToken"]
    assert (await api(VIEWER, token=rotated["accessToken"])).errors == []

    replay = await api(REFRESH, {"r": first["refreshToken"]})
    assert replay.data is None
    assert replay.codes() == ["UNAUTHENTICATED"]
    # The replay revoked the whole family: the newest refresh token is dead too.
    newest = await api(REFRESH, {"r": rotated["refreshToken"]})
    assert newest.codes() == ["UNAUTHENTICATED"]


async def test_logout_revokes_access_and_refresh_tokens(api: GraphQLClient, world: World) -> None:
    session = (await _login(api, world.logins["ward_admin"])).data["login"]
    token, refresh = session["accessToken"], session["refreshToken"]
    assert (await api(LOGOUT, {"r": refresh}, token=token)).data == {"logout": True}

    viewer = await api(VIEWER, token=token)
    assert viewer.data is None
    assert viewer.codes() == ["UNAUTHENTICATED"]
    assert viewer.error_paths() == [["viewer"]]
    assert (await api(REFRESH, {"r": refresh})).codes() == ["UNAUTHENTICATED"]


async def test_disabled_account_cannot_sign_in(
    api: GraphQLClient, services: Services, world: World
) -> None:
    account = f"{world.tag}.disabled"
    async with services.sessions.begin() as session:
        session.add(
            AccountRow(
                login_id=account,
                password_hash=password_hash(),
                role="kiosk",
                display_name="retired tablet",
                facility_id=world.facility.id,
            )
        )
    async with services.sessions.begin() as session:
        await session.execute(
            update(AccountRow).where(AccountRow.login_id == account).values(disabled=True)
        )
    result = await _login(api, account)
    assert result.data is None
    assert _only_error(result) == (BAD_CREDENTIALS, "UNAUTHENTICATED")


async def _actor(api: GraphQLClient, world: World) -> Actor:
    token = await api.login(world.logins["director"], PASSWORD)
    result = await api("{ viewer { id } }", token=token)
    return Actor(
        account_id=uuid.UUID(result.data["viewer"]["id"]),
        role=Role.DIRECTOR,
        facility_id=world.facility.id,
    )


async def _raw(api: GraphQLClient, authorization: str) -> tuple[int, str, dict[str, Any]]:
    response = await api.http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": authorization}
    )
    return response.status_code, response.text, response.json()


@pytest.mark.parametrize(
    "kind", ["forged", "expired", "not_bearer", "garbage_bearer", "empty_bearer"]
)
async def test_bad_tokens_answer_unauthenticated_without_a_trace(
    api: GraphQLClient, services: Services, world: World, kind: str
) -> None:
    actor = await _actor(api, world)
    headers = {
        "forged": lambda: (
            "Bearer "
            + TokenIssuer(
                "another-secret-that-is-long-enough-for-hs256", timedelta(minutes=15)
            ).issue(actor, generation=0)
        ),
        "expired": lambda: (
            "Bearer "
            + TokenIssuer(services.tokens.secret, timedelta(seconds=-1)).issue(actor, generation=0)
        ),
        "not_bearer": lambda: "Basic dXNlcjpwYXNz",
        "garbage_bearer": lambda: "Bearer \x7f not.a.jwt",
        "empty_bearer": lambda: "Bearer ",
    }
    status, text, body = await _raw(api, headers[kind]())
    assert status == 200
    assert "Traceback" not in text and 'File "' not in text
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert [e["path"] for e in body["errors"]] == [["viewer"]]


async def test_refresh_token_reuse_ends_the_sessions_access_tokens(
    api: GraphQLClient, world: World
) -> None:
    first = (await _login(api, world.logins["nurse"])).data["login"]
    rotated = (await api(REFRESH, {"r": first["refreshToken"]})).data["refreshSession"]
    assert (await api(VIEWER, token=first["accessToken"])).errors == []

    assert (await api(REFRESH, {"r": first["refreshToken"]})).codes() == ["UNAUTHENTICATED"]
    for token in (first["accessToken"], rotated["accessToken"]):
        assert (await api(VIEWER, token=token)).codes() == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("missing", ["exp", "gen", "role", "sub", "iat"])
async def test_a_token_lacking_a_required_claim_is_refused(
    api: GraphQLClient, services: Services, world: World, missing: str
) -> None:
    actor = await _actor(api, world)
    claims = jwt.decode(
        services.tokens.issue(actor, generation=0),
        options={"verify_signature": False},
    )
    del claims[missing]
    token = jwt.encode(claims, services.tokens.secret, algorithm="HS256")
    assert (await api(VIEWER, token=token)).codes() == ["UNAUTHENTICATED"]


async def _teacher_account(services: Services, world: World) -> uuid.UUID:
    async with services.sessions() as session:
        account = await session.scalar(
            select(AccountRow.id).where(AccountRow.login_id == world.logins["teacher"])
        )
    assert account is not None
    return account


async def test_a_role_change_ends_the_accounts_tokens_at_once(
    api: GraphQLClient, services: Services
) -> None:
    world = await build_world(services.sessions)
    token = await api.login(world.logins["teacher"], PASSWORD)
    account = await _teacher_account(services, world)
    async with services.sessions.begin() as session:
        await session.execute(
            update(AccountRow).where(AccountRow.id == account).values(role="clerk")
        )
    assert (await api(VIEWER, token=token)).codes() == ["UNAUTHENTICATED"]
    fresh = await api.login(world.logins["teacher"], PASSWORD)
    assert (await api(VIEWER, token=fresh)).data["viewer"]["role"] == "CLERK"


async def test_a_class_change_ends_the_teachers_tokens_at_once(
    api: GraphQLClient, services: Services
) -> None:
    world = await build_world(services.sessions)
    token = await api.login(world.logins["teacher"], PASSWORD)
    account = await _teacher_account(services, world)
    async with services.sessions.begin() as session:
        await session.execute(
            delete(AccountClassroomRow).where(AccountClassroomRow.account_id == account)
        )
    assert (await api(VIEWER, token=token)).codes() == ["UNAUTHENTICATED"]
