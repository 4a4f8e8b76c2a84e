"""The class roster costs a fixed number of SQL statements, however many children (no N+1)."""

from __future__ import annotations

import uuid

import pytest

from resolvers.services import Services
from tests.factories import PASSWORD, build_world
from tests.support import GraphQLClient, recorded_statements

ROSTER = """query($id: ID!) { classroom(id: $id) { children {
    displayName allergies { allergen } guardians { familyName mobilePhone } } } }"""

# token generation check, classroom, its children, their guardians, the audit insert
ROSTER_STATEMENTS = 5


@pytest.mark.parametrize("per_room", [2, 10])
async def test_class_roster_statement_count_does_not_grow_with_the_class(
    api: GraphQLClient, services: Services, per_room: int
) -> None:
    world = await build_world(services.sessions, per_room=per_room)
    token = await api.login(world.logins["teacher"], PASSWORD)
    account_id = (await api("{ viewer { id } }", token=token)).data["viewer"]["id"]
    # Start from a cold token-generation cache so the count never depends on timing.
    services.generations.forget(uuid.UUID(account_id))
    with recorded_statements(services) as statements:
        result = await api(ROSTER, {"id": str(world.room_a.id)}, token=token)
    assert result.errors == []
    children = result.data["classroom"]["children"]
    assert len(children) == per_room
    assert all(len(child["guardians"]) == 2 for child in children)
    assert len(statements) == ROSTER_STATEMENTS, "\n\n".join(statements)
    assert statements[-1].lstrip().upper().startswith("INSERT INTO AUDIT_LOG")
