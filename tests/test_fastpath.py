"""The fast query executor gives exactly graphql-core's answer.

Every query of the corpus runs twice per role: through the app as served (fast
path on) and through an app whose schema uses graphql-core's executor for
everything. Data must be equal, and so must the set of errors (message, path,
code); graphql-core orders errors by completion, which clients may not rely on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from hoiku.app import create_app
from resolvers.services import Services
from schema import fastplan
from tests.factories import PASSWORD, World, build_world
from tests.support import GraphQLClient, Result

CORPUS = {
    "roster": """query($id: ID!) { classroom(id: $id) { name fiscalYear children {
        id displayName familyNameKana sex dateOfBirth certifiedHours
        allergies { allergen severity note }
        guardians { id familyName relationship mobilePhone address employment { employerName }
                    familySituation pickupRestricted children { id displayName } }
        householdMembers { name relationship } pickupPersons { name phone } } } }""",
    "aliases_and_fragments": """query($id: ID!) { a: child(id: $id) { ...Who kana: familyNameKana
        classroom { ... on Classroom { name } facility { code } } }
        b: child(id: $id) { __typename displayName } }
        fragment Who on Child { id displayName healthStatus }""",
    "viewer": """{ viewer { role loginId facility { code name } classrooms { name }
        children { displayName } guardian { familyName homePhone familySituation } } }""",
    "list_with_arguments": """{ children(first: 3) { nodes { displayName } hasNextPage } }""",
    "not_found_root": """query($missing: ID!) { child(id: $missing) { id } }""",
    "malformed_id": """{ child(id: "not-a-uuid") { id } }""",
    "facility_tree": """query($f: ID!) { facility(id: $f) { code classrooms { name children {
        displayName } } } }""",
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(services: Services) -> World:
    return await build_world(services.sessions)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def reference(services: Services) -> AsyncIterator[GraphQLClient]:
    app = create_app(services=services, fast_path=False)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference.test") as http:
        yield GraphQLClient(http)


def _errors(result: Result) -> list[tuple[Any, ...]]:
    return sorted(
        (e["message"], tuple(e.get("path") or ()), e.get("extensions", {}).get("code"))
        for e in result.errors
    )


@pytest.mark.parametrize("role", ["director", "nurse", "clerk", "teacher", "guardian", "kiosk"])
@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_fast_path_matches_graphql_core(
    api: GraphQLClient, reference: GraphQLClient, world: World, role: str, name: str
) -> None:
    token = await api.login(world.logins[role], PASSWORD)
    variables = {
        "id": str(world.family.child.id) if name != "roster" else str(world.room_a.id),
        "missing": "00000000-0000-4000-8000-000000000000",
        "f": str(world.facility.id),
    }
    used = {k: v for k, v in variables.items() if f"${k}" in CORPUS[name]}
    fast = await api(CORPUS[name], used, token=token)
    slow = await reference(CORPUS[name], used, token=token)
    assert fast.data == slow.data
    assert _errors(fast) == _errors(slow)


async def test_the_roster_really_takes_the_fast_path(services: Services, world: World) -> None:
    """Guards against a silent fallback: the roster compiles to a plan."""
    from graphql import parse

    from schema.build import build_schema

    document = parse(CORPUS["roster"])
    schema = build_schema()._schema
    operation = document.definitions[0]
    assert fastplan.plan_for(schema, CORPUS["roster"], document, operation) is not None  # type: ignore[arg-type]
