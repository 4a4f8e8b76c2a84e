"""``hoiku create-user``: an operator creates accounts that can sign in."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hoiku.cli import main
from hoiku.settings import get_settings
from resolvers.services import Services
from tests.factories import build_world
from tests.support import GraphQLClient

PASSWORD = "a-long-operator-password"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> CliRunner:
    monkeypatch.setenv("HOIKU_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _create(runner: CliRunner, *args: str) -> object:
    return runner.invoke(main, ["create-user", *args, "--password-stdin"], input=PASSWORD + "\n")


async def test_created_teacher_signs_in_and_sees_their_class(
    cli_env: CliRunner, api: GraphQLClient, services: Services
) -> None:
    world = await build_world(services.sessions)
    login = f"{world.tag}.newteacher"
    code = world.facility.code
    result = await _run(cli_env, "--login-id", login, "--role", "teacher", "--facility", code,
                        "--name", "新任 先生", "--classroom", "b")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created teacher account" in result.output
    token = await api.login(login, PASSWORD)
    viewer = await api("{ viewer { role classrooms { name } } }", token=token)
    assert viewer.data["viewer"] == {"role": "TEACHER", "classrooms": [{"name": "b"}]}


async def test_refuses_a_taken_login_id_and_a_facility_role_without_facility(
    cli_env: CliRunner, services: Services
) -> None:
    world = await build_world(services.sessions)
    taken = await _run(cli_env, "--login-id", world.logins["nurse"], "--role", "reporter",
                       "--name", "x")  # fmt: skip
    assert taken.exit_code == 1
    assert "is taken" in taken.output
    homeless = await _run(cli_env, "--login-id", f"{world.tag}.n2", "--role", "nurse",
                          "--name", "x")  # fmt: skip
    assert homeless.exit_code == 1
    assert "--facility" in homeless.output


async def _run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    """The CLI runs its own event loop: keep it off the test's loop thread."""
    import asyncio

    return await asyncio.to_thread(_create, runner, *args)
