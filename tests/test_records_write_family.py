"""Staff writes to guardians, guardianships, household members and pick-up persons."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select, text

from persistence.models import GuardianRow, GuardianshipRow, HouseholdMemberRow, PickupPersonRow
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.support import GraphQLClient

ROLES = ("ward_admin", "director", "nurse", "clerk", "teacher", "guardian", "kiosk")

CREATE_GUARDIAN = """mutation($input: CreateGuardianInput!) { createGuardian(input: $input) {
    guardian { id familyName relationship isPrimaryContact mobilePhone }
    child { guardians { familyName isPrimaryContact } } } }"""
UPDATE_GUARDIAN = """mutation($input: UpdateGuardianInput!) { updateGuardian(input: $input) {
    guardian { id mobilePhone address } } }"""
LINK_GUARDIAN = """mutation($input: LinkGuardianInput!) { linkGuardian(input: $input) {
    guardian { id relationship mayPickUp pickupRestricted pickupRestrictionReason } } }"""
UNLINK_GUARDIAN = """mutation($input: UnlinkGuardianInput!) { unlinkGuardian(input: $input) {
    child { guardians { id } } } }"""
ADD_MEMBER = """mutation($input: AddHouseholdMemberInput!) { addHouseholdMember(input: $input) {
    householdMember { id name relationship sex dateOfBirth } } }"""
REMOVE_MEMBER = """mutation($id: ID!) { removeHouseholdMember(id: $id) {
    removedId child { householdMembers { id } } } }"""
ADD_PICKUP = """mutation($input: AddPickupPersonInput!) { addPickupPerson(input: $input) {
    pickupPerson { id name nameKana phone } } }"""
REMOVE_PICKUP = """mutation($id: ID!) { removePickupPerson(id: $id) { removedId } }"""
WRITES = text(
    "SELECT role, action, item, entity, record_id FROM audit_log"
    " WHERE seq > :mark AND account_id = ANY(:accounts) AND action <> 'read' ORDER BY seq"
)


@dataclass
class Setting:
    world: World
    tokens: dict[str, str]
    account_ids: list[uuid.UUID]
    other_director: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setting(api: GraphQLClient, services: Services) -> AsyncIterator[Setting]:
    world, other_world = await build_world(services.sessions), await build_world(services.sessions)
    tokens = {role: await api.login(world.logins[role], PASSWORD) for role in ROLES}
    other_director = await api.login(other_world.logins["director"], PASSWORD)
    ids = []
    for token in [*tokens.values(), other_director]:
        ids.append(uuid.UUID((await api("{ viewer { id } }", token=token)).data["viewer"]["id"]))
    yield Setting(world, tokens, ids, other_director)


async def mark(services: Services) -> int:
    async with services.engine.connect() as connection:
        return int(await connection.scalar(text("SELECT coalesce(max(seq), 0) FROM audit_log")))


async def writes_since(services: Services, since: int, setting: Setting) -> list[tuple[Any, ...]]:
    async with services.engine.connect() as connection:
        result = await connection.execute(WRITES, {"mark": since, "accounts": setting.account_ids})
        return [tuple(row) for row in result]


async def links_of(services: Services, child_id: uuid.UUID) -> dict[uuid.UUID, GuardianshipRow]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(GuardianshipRow).where(GuardianshipRow.child_id == child_id)
        )
        return {row.guardian_id: row for row in rows}


def new_guardian(child_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {
        "childId": str(child_id),
        "relationship": "祖母",
        "familyName": "田中",
        "givenName": "和子",
        "familyNameKana": "タナカ",
        "givenNameKana": "カズコ",
        "mobilePhone": "080-2222-3333",
        **overrides,
    }


async def test_clerk_creates_a_guardian_who_becomes_the_primary_contact(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_a[0].child
    since = await mark(services)
    result = await api(
        CREATE_GUARDIAN,
        {"input": new_guardian(child.id, isPrimaryContact=True)},
        token=setting.tokens["clerk"],
    )
    assert result.errors == []
    guardian = result.data["createGuardian"]["guardian"]
    assert guardian | {"id": None} == {
        "id": None,
        "familyName": "田中",
        "relationship": "祖母",
        "isPrimaryContact": True,
        "mobilePhone": "080-2222-3333",
    }
    guardians = result.data["createGuardian"]["child"]["guardians"]
    assert guardians[0] == {"familyName": "田中", "isPrimaryContact": True}
    assert [g["isPrimaryContact"] for g in guardians[1:]] == [False, False]
    guardian_id = uuid.UUID(guardian["id"])
    assert await writes_since(services, since, setting) == [
        ("clerk", "create", item, "guardian", guardian_id)
        for item in ("guardian_name", "guardian_contact")
    ]


async def test_clerk_cannot_write_a_guardians_special_care_items(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    family = setting.world.families_a[0]
    since = await mark(services)
    created = await api(
        CREATE_GUARDIAN,
        {"input": new_guardian(family.child.id, givenName="禁止", familySituation="DV避難中")},
        token=setting.tokens["clerk"],
    )
    updated = await api(
        UPDATE_GUARDIAN,
        {"input": {"id": str(family.guardian.id), "mobilePhone": "070-1111-2222", "illness": None}},
        token=setting.tokens["clerk"],
    )
    assert (created.codes(), updated.codes()) == (["FORBIDDEN"], ["FORBIDDEN"])
    async with services.sessions() as session:
        named = await session.scalars(select(GuardianRow).where(GuardianRow.given_name == "禁止"))
        stored = await session.get(GuardianRow, family.guardian.id)
    assert list(named) == []
    assert stored is not None
    assert (stored.mobile_phone, stored.illness) == ("090-1234-5678", "持病あり")
    assert await writes_since(services, since, setting) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mobilePhone": "not a phone"}, "mobilePhone"),
        ({"givenNameKana": "Kazuko"}, "givenNameKana"),
        ({"dateOfBirth": "2020-01-01"}, "dateOfBirth"),
        ({"familyName": None}, "familyName"),
    ],
)
async def test_guardian_update_validation_names_the_field(
    api: GraphQLClient, setting: Setting, changes: dict[str, Any], field: str
) -> None:
    guardian = setting.world.families_b[0].guardian
    result = await api(
        UPDATE_GUARDIAN,
        {"input": {"id": str(guardian.id), **changes}},
        token=setting.tokens["director"],
    )
    assert result.codes() == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field


async def test_update_guardian_changes_only_what_is_sent(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    guardian = setting.world.families_b[0].guardian
    result = await api(
        UPDATE_GUARDIAN,
        {"input": {"id": str(guardian.id), "mobilePhone": "070-1111-2222", "fax": None}},
        token=setting.tokens["director"],
    )
    assert result.errors == []
    assert result.data["updateGuardian"]["guardian"]["mobilePhone"] == "070-1111-2222"
    async with services.sessions() as session:
        stored = await session.get(GuardianRow, guardian.id)
    assert stored is not None
    assert (stored.mobile_phone, stored.fax, stored.home_phone) == (
        "070-1111-2222",
        None,
        "03-1234-5678",
    )


async def test_another_facilitys_director_cannot_reach_our_guardian(
    api: GraphQLClient, setting: Setting
) -> None:
    guardian = setting.world.families_b[0].guardian
    answers = []
    for guardian_id in (guardian.id, uuid.uuid4()):
        result = await api(
            UPDATE_GUARDIAN,
            {"input": {"id": str(guardian_id), "mobilePhone": "070-9999-9999"}},
            token=setting.other_director,
        )
        answers.append(result.errors)
    assert answers[0] == answers[1]
    assert [e["extensions"]["code"] for e in answers[0]] == ["NOT_FOUND"]


async def test_link_sets_a_pickup_restriction_with_its_reason(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    family = setting.world.families_b[1]
    link = {"childId": str(family.child.id), "guardianId": str(family.guardian.id)}
    no_reason = await api(
        LINK_GUARDIAN,
        {"input": {**link, "pickupRestricted": True}},
        token=setting.tokens["director"],
    )
    assert no_reason.codes() == ["BAD_USER_INPUT"]
    assert no_reason.errors[0]["extensions"]["field"] == "pickupRestrictionReason"
    nurse = await api(
        LINK_GUARDIAN,
        {"input": {**link, "pickupRestricted": True, "pickupRestrictionReason": "保護命令"}},
        token=setting.tokens["nurse"],
    )
    assert nurse.codes() == ["FORBIDDEN"]
    assert (await links_of(services, family.child.id))[
        family.guardian.id
    ].pickup_restricted is False

    since = await mark(services)
    restricted = await api(
        LINK_GUARDIAN,
        {"input": {**link, "pickupRestricted": True, "pickupRestrictionReason": "保護命令"}},
        token=setting.tokens["clerk"],
    )
    assert restricted.errors == []
    assert restricted.data["linkGuardian"]["guardian"] == {
        "id": str(family.guardian.id),
        "relationship": "父",
        "mayPickUp": True,
        "pickupRestricted": True,
        "pickupRestrictionReason": "保護命令",
    }
    lifted = await api(
        LINK_GUARDIAN, {"input": {**link, "pickupRestricted": False}}, token=setting.tokens["clerk"]
    )
    assert lifted.errors == []
    stored = (await links_of(services, family.child.id))[family.guardian.id]
    assert (stored.pickup_restricted, stored.pickup_restriction_reason) == (False, None)
    assert (
        await writes_since(services, since, setting)
        == [("clerk", "update", "pickup_restriction", "guardianship", family.child.id)] * 2
    )


async def test_link_an_existing_guardian_to_a_sibling_and_unlink(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    sibling, guardian = setting.world.families_a[1].child, setting.world.families_a[0].guardian
    link = {"childId": str(sibling.id), "guardianId": str(guardian.id)}
    missing = await api(
        LINK_GUARDIAN, {"input": {**link, "mayPickUp": True}}, token=setting.tokens["director"]
    )
    assert missing.codes() == ["BAD_USER_INPUT"]
    assert missing.errors[0]["extensions"]["field"] == "relationship"

    since = await mark(services)
    linked = await api(
        LINK_GUARDIAN, {"input": {**link, "relationship": "父"}}, token=setting.tokens["director"]
    )
    assert linked.errors == []
    assert guardian.id in await links_of(services, sibling.id)
    unlinked = await api(UNLINK_GUARDIAN, {"input": link}, token=setting.tokens["director"])
    assert unlinked.errors == []
    remaining = unlinked.data["unlinkGuardian"]["child"]["guardians"]
    assert str(guardian.id) not in [g["id"] for g in remaining]
    assert guardian.id not in await links_of(services, sibling.id)
    again = await api(UNLINK_GUARDIAN, {"input": link}, token=setting.tokens["director"])
    assert again.codes() == ["NOT_FOUND"]
    assert await writes_since(services, since, setting) == [
        ("director", "create", "guardian_name", "guardianship", sibling.id),
        ("director", "delete", "guardian_name", "guardianship", sibling.id),
    ]


@pytest.mark.parametrize("role", ["nurse", "teacher", "guardian", "kiosk"])
async def test_only_editors_link_or_unlink(
    api: GraphQLClient, services: Services, setting: Setting, role: str
) -> None:
    family = setting.world.families_a[0]
    link = {"childId": str(family.child.id), "guardianId": str(family.co_guardian.id)}
    before = await links_of(services, family.child.id)
    linked = await api(
        LINK_GUARDIAN, {"input": {**link, "mayPickUp": False}}, token=setting.tokens[role]
    )
    unlinked = await api(UNLINK_GUARDIAN, {"input": link}, token=setting.tokens[role])
    assert (linked.codes(), unlinked.codes()) == (["FORBIDDEN"], ["FORBIDDEN"])
    after = await links_of(services, family.child.id)
    assert after.keys() == before.keys()
    assert after[family.co_guardian.id].may_pick_up == before[family.co_guardian.id].may_pick_up


async def test_household_members_are_written_by_those_who_read_them(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_b[0].child
    member = {"childId": str(child.id), "name": "山田 次郎", "relationship": "兄", "sex": "MALE",
              "dateOfBirth": "2019-04-02"}  # fmt: skip
    clerk = await api(ADD_MEMBER, {"input": member}, token=setting.tokens["clerk"])
    assert clerk.codes() == ["FORBIDDEN"]
    future = await api(
        ADD_MEMBER,
        {"input": {**member, "dateOfBirth": "2999-01-01"}},
        token=setting.tokens["director"],
    )
    assert future.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "dateOfBirth"}
    async with services.sessions() as session:
        query = select(HouseholdMemberRow).where(HouseholdMemberRow.child_id == child.id)
        assert len(list(await session.scalars(query))) == 1

    since = await mark(services)
    added = await api(ADD_MEMBER, {"input": member}, token=setting.tokens["director"])
    assert added.errors == []
    written = added.data["addHouseholdMember"]["householdMember"]
    assert written | {"id": None} == {
        "id": None, "name": "山田 次郎", "relationship": "兄", "sex": "male",
        "dateOfBirth": "2019-04-02",
    }  # fmt: skip
    async with services.engine.connect() as connection:
        raw = await connection.scalar(
            text("SELECT details FROM household_member WHERE id = :id"), {"id": written["id"]}
        )
    assert "山田 次郎".encode() not in bytes(raw)

    other = await api(REMOVE_MEMBER, {"id": written["id"]}, token=setting.other_director)
    assert other.codes() == ["NOT_FOUND"]
    removed = await api(REMOVE_MEMBER, {"id": written["id"]}, token=setting.tokens["director"])
    assert removed.errors == []
    assert removed.data["removeHouseholdMember"]["removedId"] == written["id"]
    assert len(removed.data["removeHouseholdMember"]["child"]["householdMembers"]) == 1
    member_id = uuid.UUID(written["id"])
    assert await writes_since(services, since, setting) == [
        ("director", "create", "household", "household_member", member_id),
        ("director", "delete", "household", "household_member", member_id),
    ]


async def test_clerk_adds_and_removes_a_pickup_person(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_a[1].child
    person = {"childId": str(child.id), "name": "佐々木 実", "nameKana": "ササキ ミノル",
              "relationship": "叔父", "phone": "090-5555-6666"}  # fmt: skip
    bad = await api(
        ADD_PICKUP, {"input": {**person, "phone": "555"}}, token=setting.tokens["clerk"]
    )
    assert bad.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "phone"}
    teacher = await api(ADD_PICKUP, {"input": person}, token=setting.tokens["teacher"])
    assert teacher.codes() == ["FORBIDDEN"]

    since = await mark(services)
    added = await api(ADD_PICKUP, {"input": person}, token=setting.tokens["clerk"])
    assert added.errors == []
    written = added.data["addPickupPerson"]["pickupPerson"]
    assert written | {"id": None} == {
        "id": None, "name": "佐々木 実", "nameKana": "ササキ ミノル", "phone": "090-5555-6666"
    }  # fmt: skip
    removed = await api(REMOVE_PICKUP, {"id": written["id"]}, token=setting.tokens["clerk"])
    assert removed.errors == []
    async with services.sessions() as session:
        query = select(PickupPersonRow).where(PickupPersonRow.child_id == child.id)
        assert [p.name for p in await session.scalars(query)] == ["山田 梅"]
    person_id = uuid.UUID(written["id"])
    assert await writes_since(services, since, setting) == [
        ("clerk", "create", "pickup_person", "pickup_person", person_id),
        ("clerk", "delete", "pickup_person", "pickup_person", person_id),
    ]
    malformed = await api(REMOVE_PICKUP, {"id": "x"}, token=setting.tokens["clerk"])
    assert malformed.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
