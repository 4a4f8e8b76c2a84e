"""Bad input answers a coded GraphQL error: never a stack trace, a 500 or a side effect."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route

from hoiku.app import HoikuGraphQL, create_app
from hoiku.settings import Settings
from resolvers.services import Services
from schema.build import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, HoikuSchema
from schema.extensions import MaskUnexpectedErrors
from tests.factories import PASSWORD, World, build_world
from tests.support import GraphQLClient, Result

CHILD = "query($id: ID!) { child(id: $id) { id displayName } }"
INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(services: Services) -> AsyncIterator[World]:
    yield await build_world(services.sessions)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def director(api: GraphQLClient, world: World) -> str:
    return await api.login(world.logins["director"], PASSWORD)


def _single(result: Result) -> dict[str, Any]:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


async def test_malformed_id_is_bad_user_input_naming_the_field(
    api: GraphQLClient, director: str
) -> None:
    result = await api(CHILD, {"id": "1 OR 1=1"}, token=director)
    assert result.data is None
    error = _single(result)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert error["path"] == ["child"]


async def test_unknown_id_is_not_found(api: GraphQLClient, director: str) -> None:
    result = await api(CHILD, {"id": str(uuid.uuid4())}, token=director)
    assert result.data is None
    assert _single(result)["extensions"] == {"code": "NOT_FOUND"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (CHILD, {"id": {"nested": "object"}}),
        (CHILD, {}),
        ("query($n: Int!) { children(first: $n) { hasNextPage } }", {"n": "ten"}),
        ("query($n: Int!) { children(first: $n) { hasNextPage } }", {"n": 2**40}),
        ("{ child(id: 12.5) { id } }", {}),
        ("{ child(id: 1) { noSuchField } }", {}),
        ("{ child(id: ", {}),
    ],
    ids=[
        "object_for_id",
        "missing_variable",
        "string_for_int",
        "int_overflow",
        "float_literal",
        "unknown_field",
        "syntax_error",
    ],
)
async def test_wrong_types_and_malformed_documents_are_coded(
    api: GraphQLClient, director: str, query: str, variables: dict[str, Any]
) -> None:
    result = await api(query, variables, token=director)
    assert result.data is None
    assert result.codes() and set(result.codes()) == {"BAD_USER_INPUT"}


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ("{ children(first: 0) { hasNextPage } }", {}, "first"),
        ("{ children(first: 101) { hasNextPage } }", {}, "first"),
        ('{ children(after: "!!not a cursor") { hasNextPage } }', {}, "after"),
        ('{ children(kanaPrefix: "abc") { hasNextPage } }', {}, "kanaPrefix"),
        (
            "query($k: String) { children(kanaPrefix: $k) { hasNextPage } }",
            {"k": "ア" * 5000},
            "kanaPrefix",
        ),
        ('{ children(classroomId: "room-a") { hasNextPage } }', {}, "classroomId"),
        ('{ auditLog(before: "yesterday") { nextCursor } }', {}, "before"),
    ],
)
async def test_bad_arguments_name_the_field(
    api: GraphQLClient, director: str, query: str, variables: dict[str, Any], field: str
) -> None:
    result = await api(query, variables, token=director)
    assert result.data is None
    assert _single(result)["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_oversize_sign_in_input_is_an_ordinary_refusal(api: GraphQLClient) -> None:
    result = await api(
        "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }",
        {"l": "x" * 100_000, "p": "y" * 100_000},
    )
    assert result.data is None
    assert result.codes() == ["UNAUTHENTICATED"]


def _deep_query(levels: int) -> str:
    """child → guardians → children → guardians … ``levels`` fields deep."""
    names = ["child(id: $id)"] + ["guardians", "children"] * levels
    selection = "id"
    for name in reversed(names[:levels]):
        selection = f"{name} {{ {selection} }}"
    return f"query($id: ID!) {{ {selection} }}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def uncosted_api(services: Services) -> AsyncIterator[GraphQLClient]:
    """The app with the cost limit out of reach: nine nested lists are too costly,
    and the depth rule is what these tests are about."""
    app = create_app(Settings(max_query_cost=10**15), services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hoiku.test") as http:
        yield GraphQLClient(http)


async def test_depth_limit(uncosted_api: GraphQLClient, director: str, world: World) -> None:
    api = uncosted_api
    variables = {"id": str(world.family.child.id)}
    assert (await api(_deep_query(MAX_DEPTH), variables, token=director)).errors == []
    result = await api(_deep_query(MAX_DEPTH + 1), variables, token=director)
    assert result.data is None
    assert "exceeds maximum operation depth" in _single(result)["message"]
    assert result.codes() == ["BAD_USER_INPUT"]


async def test_alias_limit(api: GraphQLClient, director: str) -> None:
    aliases = " ".join(f"a{n}: viewer {{ id }}" for n in range(MAX_ALIASES + 1))
    result = await api(f"{{ {aliases} }}", token=director)
    assert result.data is None
    assert "aliases found" in _single(result)["message"]
    assert result.codes() == ["BAD_USER_INPUT"]


async def test_token_limit(api: GraphQLClient, director: str) -> None:
    # One-letter tokens: the document stays under the character limit.
    fields = " ".join(["x"] * MAX_TOKENS)
    result = await api(f"{{ viewer {{ {fields} }} }}", token=director)
    assert result.data is None
    assert f"more than {MAX_TOKENS} tokens" in _single(result)["message"]
    assert result.codes() == ["BAD_USER_INPUT"]


# Unexpected exceptions: a tiny schema whose resolver fails the way a bug would.

SECRET_DETAIL = "password=hunter2 at /srv/hoiku/resolvers/family.py line 42"


@strawberry.type
class BrokenQuery:
    @strawberry.field(description="Fails like a bug.")
    def broken(self) -> str:
        raise RuntimeError(SECRET_DETAIL)

    @strawberry.field(description="Still answers.")
    def fine(self) -> str:
        return "ok"


async def test_unexpected_exception_is_masked(services: Services) -> None:
    schema = HoikuSchema(query=BrokenQuery, extensions=[MaskUnexpectedErrors])
    app = Starlette(routes=[Route("/graphql", HoikuGraphQL(schema), methods=["POST"])])
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hoiku.test") as http:
        response = await http.post("/graphql", json={"query": "{ fine broken }"})
    assert response.status_code == 200
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Internal server error",
                "locations": [{"line": 1, "column": 8}],
                "path": ["broken"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ],
    }


async def test_get_refuses_a_mutation(api: GraphQLClient, director: str) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": "mutation { logout }"},
        headers={"Authorization": f"Bearer {director}"},
    )
    assert response.status_code == 400
    assert response.text == "mutations are not allowed when using GET"
    # Nothing happened: the token still works.
    assert (await api("{ viewer { id } }", token=director)).errors == []


async def test_get_answers_a_query(api: GraphQLClient, director: str) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {director}"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"role": "DIRECTOR"}}}


async def test_introspection_works_in_development(api: GraphQLClient, director: str) -> None:
    result = await api(INTROSPECTION, token=director)
    assert result.errors == []
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.fixture
def production(services: Services) -> Iterator[None]:
    services.production = True
    try:
        yield
    finally:
        services.production = False


INTROSPECTIONS = {
    "schema": INTROSPECTION,
    "type": '{ __type(name: "Child") { name } }',
    "fragment": "{ ...Peek } fragment Peek on Query { __schema { queryType { name } } }",
    "inline_fragment": '{ ... on Query { __type(name: "Child") { name } } }',
    "nested_fragments": "{ ...Outer } fragment Outer on Query { ...Inner }"
    " fragment Inner on Query { __schema { queryType { name } } }",
}


@pytest.mark.parametrize("query", INTROSPECTIONS.values(), ids=INTROSPECTIONS.keys())
async def test_production_refuses_introspection_to_non_admins(
    api: GraphQLClient, director: str, production: None, query: str
) -> None:
    for token in (director, None):
        result = await api(query, token=token)
        assert result.data is None
        assert result.codes() == ["FORBIDDEN"]


async def test_production_allows_introspection_to_ward_admins(
    api: GraphQLClient, world: World, production: None
) -> None:
    admin = await api.login(world.logins["ward_admin"], PASSWORD)
    result = await api(INTROSPECTION, token=admin)
    assert result.errors == []
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_production_still_answers_typename(
    api: GraphQLClient, director: str, production: None
) -> None:
    result = await api("{ __typename viewer { role } }", token=director)
    assert result.errors == []
    assert result.data == {"__typename": "Query", "viewer": {"role": "DIRECTOR"}}


async def test_a_fast_path_defect_costs_no_answer(
    api: GraphQLClient, director: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("fast path internals")

    monkeypatch.setattr("schema.fastpath.plan_for", broken)
    query = "query($id: ID!) { facility(id: $id) { code } }"
    result = await api(query, {"id": str(world.facility.id)}, token=director)
    assert result.errors == []
    assert result.data == {"facility": {"code": world.facility.code}}


async def test_an_error_in_a_request_hook_is_masked(
    api: GraphQLClient, director: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """strawberry answers a hook's exception itself, after the hooks that code errors."""

    def broken(self: Any) -> Iterator[None]:
        raise RuntimeError("secret internals")
        yield

    monkeypatch.setattr(
        "schema.extensions.IntrospectionOnlyForAdminsInProduction.on_execute", broken
    )
    result = await api("{ viewer { id } }", token=director)
    assert result.codes() == ["INTERNAL_SERVER_ERROR"]
    assert "secret" not in str(result.errors)
