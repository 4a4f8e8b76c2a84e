"""The audit log: special-care reads and sign-ins are written, and only the right people read it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.support import GraphQLClient

AUDIT_ROWS = text(
    "SELECT account_id, role, action, item, entity, record_id, facility_id FROM audit_log"
    " WHERE seq > :mark AND account_id = ANY(:accounts) ORDER BY seq"
)
AUDIT_LOG = """query($record: ID) { auditLog(first: 100, recordId: $record) {
    entries { accountId role action item entity recordId } } }"""


@dataclass
class Setting:
    world: World
    other_world: World
    tokens: dict[str, str]
    account_ids: dict[str, str]
    other_director: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setting(api: GraphQLClient, services: Services) -> AsyncIterator[Setting]:
    world, other_world = await build_world(services.sessions), await build_world(services.sessions)
    roles = ("ward_admin", "director", "nurse", "clerk", "teacher", "guardian", "kiosk", "reporter")
    tokens = {role: await api.login(world.logins[role], PASSWORD) for role in roles}
    ids = {}
    for role, token in tokens.items():
        ids[role] = (await api("{ viewer { id } }", token=token)).data["viewer"]["id"]
    other_director = await api.login(other_world.logins["director"], PASSWORD)
    yield Setting(world, other_world, tokens, ids, other_director)


async def _mark(services: Services) -> int:
    async with services.engine.connect() as connection:
        return int(await connection.scalar(text("SELECT coalesce(max(seq), 0) FROM audit_log")))


async def _rows_since(services: Services, mark: int, setting: Setting) -> list[dict[str, Any]]:
    """Rows written since ``mark`` by this module's accounts (other tests may write too)."""
    accounts = [uuid.UUID(i) for i in setting.account_ids.values()]
    async with services.engine.connect() as connection:
        result = await connection.execute(AUDIT_ROWS, {"mark": mark, "accounts": accounts})
        return [dict(row._mapping) for row in result]


async def test_special_care_read_writes_one_row_per_item_class_and_record(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.family.child
    mark = await _mark(services)
    result = await api(
        """query($id: ID!) {
            a: child(id: $id) { healthStatus allergies { allergen } }
            b: child(id: $id) { familyDoctor displayName } }""",
        {"id": str(child.id)},
        token=setting.tokens["director"],
    )
    assert result.errors == []
    assert await _rows_since(services, mark, setting) == [
        {
            "account_id": uuid.UUID(setting.account_ids["director"]),
            "role": "director",
            "action": "read",
            "item": "child_special_care",
            "entity": "child",
            "record_id": child.id,
            "facility_id": setting.world.facility.id,
        }
    ]


async def test_each_class_and_each_record_gets_its_own_row(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    first, second = setting.world.families_a[0], setting.world.families_a[1]
    mark = await _mark(services)
    result = await api(
        """query($room: ID!) { classroom(id: $room) { children {
            healthStatus householdMembers { name } guardians { familySituation } } } }""",
        {"room": str(setting.world.room_a.id)},
        token=setting.tokens["director"],
    )
    assert result.errors == []
    rows = {
        (r["item"], r["entity"], r["record_id"]) for r in await _rows_since(services, mark, setting)
    }
    expected = set()
    for family in (first, second):
        expected |= {
            ("child_special_care", "child", family.child.id),
            ("household", "child", family.child.id),
            ("guardian_special_care", "guardian", family.guardian.id),
            ("guardian_special_care", "guardian", family.co_guardian.id),
        }
    assert rows == expected
    assert len(await _rows_since(services, mark, setting)) == len(expected)


async def test_identity_reads_and_denied_reads_write_nothing(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.family.child
    mark = await _mark(services)
    identity = await api(
        """query($id: ID!) { child(id: $id) { displayName familyNameKana dateOfBirth
            guardians { familyName mobilePhone } } }""",
        {"id": str(child.id)},
        token=setting.tokens["director"],
    )
    denied = await api(
        "query($id: ID!) { child(id: $id) { healthStatus } }",
        {"id": str(child.id)},
        token=setting.tokens["clerk"],
    )
    assert identity.errors == []
    assert denied.codes() == ["FORBIDDEN"]
    assert await _rows_since(services, mark, setting) == []


async def test_login_writes_an_audit_row(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    mark = await _mark(services)
    await api.login(setting.world.logins["nurse"], PASSWORD)
    nurse = uuid.UUID(setting.account_ids["nurse"])
    assert await _rows_since(services, mark, setting) == [
        {
            "account_id": nurse,
            "role": "nurse",
            "action": "login",
            "item": "session",
            "entity": "account",
            "record_id": nurse,
            "facility_id": setting.world.facility.id,
        }
    ]


async def _read_health(api: GraphQLClient, token: str, child_id: uuid.UUID) -> None:
    result = await api(
        "query($id: ID!) { child(id: $id) { healthStatus } }", {"id": str(child_id)}, token=token
    )
    assert result.errors == []


async def test_ward_admin_reads_every_facilitys_entries(
    api: GraphQLClient, setting: Setting
) -> None:
    other_child = setting.other_world.family.child.id
    await _read_health(api, setting.other_director, other_child)
    result = await api(AUDIT_LOG, {"record": str(other_child)}, token=setting.tokens["ward_admin"])
    assert result.errors == []
    assert {"role": "director", "action": "read", "item": "child_special_care"}.items() <= (
        result.data["auditLog"]["entries"][0].items()
    )


async def test_director_reads_only_own_facilitys_entries(
    api: GraphQLClient, setting: Setting
) -> None:
    own_child, other_child = setting.world.family.child.id, setting.other_world.family.child.id
    await _read_health(api, setting.tokens["director"], own_child)
    await _read_health(api, setting.other_director, other_child)
    token = setting.tokens["director"]
    own = await api(AUDIT_LOG, {"record": str(own_child)}, token=token)
    other = await api(AUDIT_LOG, {"record": str(other_child)}, token=token)
    everything = await api(AUDIT_LOG, {"record": None}, token=token)
    assert own.errors == other.errors == everything.errors == []
    assert own.data["auditLog"]["entries"][0]["accountId"] == setting.account_ids["director"]
    assert other.data["auditLog"]["entries"] == []
    seen = {e["recordId"] for e in everything.data["auditLog"]["entries"]}
    assert str(other_child) not in seen


@pytest.mark.parametrize("role", ["nurse", "clerk", "teacher", "guardian", "kiosk", "reporter"])
async def test_audit_log_is_forbidden_to_everyone_else(
    api: GraphQLClient, setting: Setting, role: str
) -> None:
    result = await api(AUDIT_LOG, {"record": None}, token=setting.tokens[role])
    assert result.data is None
    assert result.codes() == ["FORBIDDEN"]
    assert result.error_paths() == [["auditLog"]]


async def _readers_in_log(api: GraphQLClient, token: str, record: uuid.UUID) -> set[str]:
    """Accounts the viewer's ``auditLog`` shows reading ``record``'s child special-care items."""
    result = await api(AUDIT_LOG, {"record": str(record)}, token=token)
    assert result.errors == []
    return {
        e["accountId"]
        for e in result.data["auditLog"]["entries"]
        if (e["action"], e["item"], e["entity"]) == ("read", "child_special_care", "child")
    }


async def test_director_sees_every_read_of_own_facilitys_child_whoever_read_it(
    api: GraphQLClient, setting: Setting
) -> None:
    """The row belongs to the facility of the record read, not to the reader's."""
    child = setting.world.family.child.id  # the guardian's child, in the teacher's class
    readers = ("guardian", "ward_admin", "teacher", "director")
    for role in readers:
        await _read_health(api, setting.tokens[role], child)
    expected = {setting.account_ids[role] for role in readers}
    assert await _readers_in_log(api, setting.tokens["director"], child) == expected
    assert await _readers_in_log(api, setting.other_director, child) == set()
    assert await _readers_in_log(api, setting.tokens["ward_admin"], child) == expected


async def test_guardian_reached_through_a_child_is_logged_at_that_childs_facility(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    family = setting.world.family
    mark = await _mark(services)
    result = await api(
        "query($id: ID!) { child(id: $id) { guardians { familySituation } } }",
        {"id": str(family.child.id)},
        token=setting.tokens["ward_admin"],
    )
    assert result.errors == []
    rows = await _rows_since(services, mark, setting)
    assert {(r["entity"], r["record_id"], r["facility_id"]) for r in rows} == {
        ("guardian", family.guardian.id, setting.world.facility.id),
        ("guardian", family.co_guardian.id, setting.world.facility.id),
    }
