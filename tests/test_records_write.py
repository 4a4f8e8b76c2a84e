"""Staff writes to children through the GraphQL API: who may write what, scope,
validation, audit and encryption at rest. A denied or failed write writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text

from persistence.models import ChildRow, EnrolmentRow
from resolvers.records.children import WARD_TIME
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.support import GraphQLClient

ROLES = ("ward_admin", "director", "nurse", "clerk", "teacher", "guardian", "kiosk", "reporter")

CREATE_CHILD = """mutation($input: CreateChildInput!) { createChild(input: $input) {
    child { id displayName familyNameKana dateOfBirth classroom { id } } } }"""
UPDATE_CHILD = """mutation($input: UpdateChildInput!) { updateChild(input: $input) {
    child { id familyName } } }"""
UPDATE_HEALTH = """mutation($input: UpdateChildInput!) { updateChild(input: $input) {
    child { id healthStatus allergies { allergen severity note } } } }"""
READ_CHILD = """query($id: ID!) { child(id: $id) { displayName familyNameKana sex dateOfBirth
    nationality certifiedHours classroom { id } healthStatus familyDoctor
    allergies { allergen severity note } } }"""
WRITES = text(
    "SELECT role, action, item, entity, record_id, facility_id FROM audit_log"
    " WHERE seq > :mark AND account_id = ANY(:accounts) AND action <> 'read' ORDER BY seq"
)


@dataclass
class Setting:
    world: World
    other_world: World
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
    yield Setting(world, other_world, tokens, ids, other_director)


def new_child(setting: Setting, **overrides: Any) -> dict[str, Any]:
    return {
        "classroomId": str(setting.world.room_a.id),
        "familyName": "佐藤",
        "givenName": f"陽翔{uuid.uuid4().hex[:6]}",
        "familyNameKana": "サトウ",
        "givenNameKana": "ハルト",
        "sex": "MALE",
        "dateOfBirth": "2022-09-01",
        **overrides,
    }


async def mark(services: Services) -> int:
    async with services.engine.connect() as connection:
        return int(await connection.scalar(text("SELECT coalesce(max(seq), 0) FROM audit_log")))


async def writes_since(services: Services, since: int, setting: Setting) -> list[dict[str, Any]]:
    async with services.engine.connect() as connection:
        result = await connection.execute(WRITES, {"mark": since, "accounts": setting.account_ids})
        return [dict(row._mapping) for row in result]


async def stored_child(services: Services, child_id: uuid.UUID) -> ChildRow | None:
    async with services.sessions() as session:
        return await session.get(ChildRow, child_id)


async def children_named(services: Services, given_name: str) -> int:
    async with services.sessions() as session:
        query = select(func.count()).select_from(ChildRow).where(ChildRow.given_name == given_name)
        return int(await session.scalar(query) or 0)


def today(services: Services) -> Any:
    return services.clock().astimezone(WARD_TIME).date()


async def test_director_creates_a_child_in_own_classroom_and_reads_it_back(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    since = await mark(services)
    allergy = {"allergen": "卵", "severity": "COMPLETE_REMOVAL", "note": "加熱卵も不可"}
    child_input = new_child(
        setting, nationality="日本", healthStatus="良好", allergies=[allergy], familyName=" 佐藤 "
    )
    created = await api(CREATE_CHILD, {"input": child_input}, token=setting.tokens["director"])
    assert created.errors == []
    child = created.data["createChild"]["child"]
    assert child["displayName"] == f"佐藤 {child_input['givenName']}"
    assert child["classroom"] == {"id": str(setting.world.room_a.id)}

    read = await api(READ_CHILD, {"id": child["id"]}, token=setting.tokens["teacher"])
    assert read.errors == []
    assert read.data["child"] == {
        "displayName": f"佐藤 {child_input['givenName']}",
        "familyNameKana": "サトウ",
        "sex": "MALE",
        "dateOfBirth": "2022-09-01",
        "nationality": "日本",
        "certifiedHours": "STANDARD",
        "classroom": {"id": str(setting.world.room_a.id)},
        "healthStatus": "良好",
        "familyDoctor": None,
        "allergies": [{"allergen": "卵", "severity": "complete_removal", "note": "加熱卵も不可"}],
    }
    child_id = uuid.UUID(child["id"])
    async with services.sessions() as session:
        enrolment = await session.scalar(
            select(EnrolmentRow).where(EnrolmentRow.child_id == child_id)
        )
    assert enrolment is not None
    assert (enrolment.classroom_id, enrolment.fiscal_year) == (setting.world.room_a.id, 2026)
    facility = setting.world.facility.id
    assert await writes_since(services, since, setting) == [
        {"role": "director", "action": "create", "item": item, "entity": "child",
         "record_id": child_id, "facility_id": facility}
        for item in ("child_display", "child_identity", "child_special_care")
    ]  # fmt: skip


async def test_director_cannot_create_in_another_facilitys_classroom(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    since = await mark(services)
    child_input = new_child(setting)
    result = await api(CREATE_CHILD, {"input": child_input}, token=setting.other_director)
    assert result.data is None
    assert result.codes() == ["NOT_FOUND"]
    assert result.errors[0]["extensions"]["field"] == "classroomId"
    assert await children_named(services, child_input["givenName"]) == 0
    assert await writes_since(services, since, setting) == []


@pytest.mark.parametrize("role", ["nurse", "teacher", "guardian", "kiosk", "reporter"])
async def test_only_record_editors_create_children(
    api: GraphQLClient, services: Services, setting: Setting, role: str
) -> None:
    since = await mark(services)
    child_input = new_child(setting)
    result = await api(CREATE_CHILD, {"input": child_input}, token=setting.tokens[role])
    assert result.data is None
    assert result.codes() == ["FORBIDDEN"]
    assert result.errors[0]["path"] == ["createChild"]
    assert await children_named(services, child_input["givenName"]) == 0
    assert await writes_since(services, since, setting) == []


async def test_clerk_sets_identity_but_not_allergies(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_a[1].child
    clerk = setting.tokens["clerk"]
    since = await mark(services)
    allergy = [{"allergen": "小麦", "severity": "PARTIAL"}]
    denied = await api(
        UPDATE_CHILD,
        {"input": {"id": str(child.id), "familyName": "鈴木", "allergies": allergy}},
        token=clerk,
    )
    assert denied.data is None
    assert denied.codes() == ["FORBIDDEN"]
    assert denied.errors[0]["message"] == "Not permitted to write child_special_care items"
    row = await stored_child(services, child.id)
    assert row is not None
    assert (row.family_name, row.allergies) == ("山田", child.allergies)
    assert await writes_since(services, since, setting) == []

    created = await api(CREATE_CHILD, {"input": new_child(setting, allergies=allergy)}, token=clerk)
    assert created.codes() == ["FORBIDDEN"]

    allowed = await api(
        UPDATE_CHILD, {"input": {"id": str(child.id), "familyName": "鈴木"}}, token=clerk
    )
    assert allowed.errors == []
    assert allowed.data["updateChild"]["child"] == {"id": str(child.id), "familyName": "鈴木"}
    row = await stored_child(services, child.id)
    assert row is not None
    assert (row.family_name, row.given_name, row.allergies) == (
        "鈴木",
        child.given_name,
        child.allergies,
    )
    assert [
        (w["role"], w["action"], w["item"]) for w in await writes_since(services, since, setting)
    ] == [("clerk", "update", "child_identity")]


async def test_nurse_updates_health_status_and_nothing_else(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_b[0].child
    nurse = setting.tokens["nurse"]
    since = await mark(services)
    updated = await api(
        UPDATE_HEALTH,
        {"input": {"id": str(child.id), "healthStatus": "軽い咳あり",
                   "allergies": [{"allergen": "そば", "severity": "COMPLETE_REMOVAL"}]}},
        token=nurse,
    )  # fmt: skip
    assert updated.errors == []
    assert updated.data["updateChild"]["child"] == {
        "id": str(child.id),
        "healthStatus": "軽い咳あり",
        "allergies": [{"allergen": "そば", "severity": "complete_removal", "note": None}],
    }
    denied = await api(
        UPDATE_CHILD, {"input": {"id": str(child.id), "familyName": "高橋"}}, token=nurse
    )
    assert denied.codes() == ["FORBIDDEN"]
    row = await stored_child(services, child.id)
    assert row is not None
    assert (row.health_status, row.family_name, row.growth_status) == ("軽い咳あり", "山田", "順調")
    assert [
        (w["role"], w["action"], w["item"]) for w in await writes_since(services, since, setting)
    ] == [("nurse", "update", "child_special_care")]


async def test_another_facilitys_director_gets_not_found_as_for_a_random_id(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_a[0].child
    since = await mark(services)
    answers = []
    for child_id in (child.id, uuid.uuid4()):
        result = await api(
            UPDATE_CHILD,
            {"input": {"id": str(child_id), "familyName": "他園"}},
            token=setting.other_director,
        )
        answers.append((result.data, result.errors))
    ours, random = answers
    assert ours == random
    assert ours[0] is None
    assert [(e["message"], e["extensions"]["code"]) for e in ours[1]] == [
        ("No such child", "NOT_FOUND")
    ]
    row = await stored_child(services, child.id)
    assert row is not None and row.family_name == "山田"
    assert await writes_since(services, since, setting) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"familyNameKana": "佐藤"}, "familyNameKana"),
        ({"givenNameKana": "haruto"}, "givenNameKana"),
        ({"familyName": "長" * 101}, "familyName"),
        ({"familyName": "   "}, "familyName"),
        ({"healthStatus": "あ" * 2001}, "healthStatus"),
        ({"dateOfBirth": "2012-01-01"}, "dateOfBirth"),
        ({"classroomId": "not-an-id"}, "classroomId"),
        ({"allergies": [{"allergen": "卵", "severity": "PARTIAL"}] * 2}, "allergies"),
    ],
    ids=["kanji kana", "latin kana", "oversize", "blank", "oversize note", "too old", "bad id",
         "duplicate allergen"],
)  # fmt: skip
async def test_bad_input_names_the_field_and_writes_nothing(
    api: GraphQLClient, services: Services, setting: Setting, overrides: dict[str, Any], field: str
) -> None:
    since = await mark(services)
    child_input = new_child(setting, **overrides)
    result = await api(CREATE_CHILD, {"input": child_input}, token=setting.tokens["director"])
    assert result.data is None
    assert result.codes() == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field
    assert await children_named(services, child_input["givenName"]) == 0
    assert await writes_since(services, since, setting) == []


async def test_a_date_of_birth_in_the_future_is_refused(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    tomorrow = (today(services) + timedelta(days=1)).isoformat()
    child = setting.world.families_a[0].child
    for mutation, child_input in (
        (CREATE_CHILD, new_child(setting, dateOfBirth=tomorrow)),
        (UPDATE_CHILD, {"id": str(child.id), "dateOfBirth": tomorrow}),
    ):
        result = await api(mutation, {"input": child_input}, token=setting.tokens["director"])
        assert result.codes() == ["BAD_USER_INPUT"]
        assert result.errors[0]["extensions"]["field"] == "dateOfBirth"
    row = await stored_child(services, child.id)
    assert row is not None and row.date_of_birth == child.date_of_birth


async def test_a_malformed_child_id_is_bad_input(api: GraphQLClient, setting: Setting) -> None:
    result = await api(
        UPDATE_CHILD,
        {"input": {"id": "123", "familyName": "佐藤"}},
        token=setting.tokens["director"],
    )
    assert result.codes() == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == "id"


@pytest.mark.parametrize("field", ["familyName", "dateOfBirth", "sex", "classroomId"])
async def test_required_items_cannot_be_cleared(
    api: GraphQLClient, services: Services, setting: Setting, field: str
) -> None:
    child = setting.world.families_a[0].child
    result = await api(
        UPDATE_CHILD,
        {"input": {"id": str(child.id), field: None}},
        token=setting.tokens["director"],
    )
    assert result.data is None
    assert result.codes() == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field
    row = await stored_child(services, child.id)
    assert row is not None
    assert (row.family_name, row.sex, row.classroom_id) == ("山田", "female", child.classroom_id)


async def test_an_empty_update_is_bad_input(api: GraphQLClient, setting: Setting) -> None:
    child = setting.world.families_a[0].child
    result = await api(
        UPDATE_CHILD, {"input": {"id": str(child.id)}}, token=setting.tokens["director"]
    )
    assert result.codes() == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == "input"


async def test_null_clears_an_optional_item_and_absent_fields_stay(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_b[1].child
    result = await api(
        UPDATE_HEALTH,
        {"input": {"id": str(child.id), "healthStatus": None, "allergies": None}},
        token=setting.tokens["director"],
    )
    assert result.errors == []
    assert result.data["updateChild"]["child"] == {
        "id": str(child.id), "healthStatus": None, "allergies": []
    }  # fmt: skip
    row = await stored_child(services, child.id)
    assert row is not None
    assert (row.health_status, row.allergies) == (None, None)
    assert (row.growth_status, row.family_doctor, row.nationality) == (
        "順調",
        "さくら小児科",
        "日本",
    )


async def test_a_ward_admin_moves_a_child_to_another_class(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    created = await api(
        CREATE_CHILD, {"input": new_child(setting)}, token=setting.tokens["director"]
    )
    child_id = created.data["createChild"]["child"]["id"]
    since = await mark(services)
    moved = await api(
        """mutation($input: UpdateChildInput!) { updateChild(input: $input) {
            child { classroom { id } } } }""",
        {"input": {"id": child_id, "classroomId": str(setting.world.room_b.id)}},
        token=setting.tokens["ward_admin"],
    )
    assert moved.errors == []
    assert moved.data["updateChild"]["child"]["classroom"] == {"id": str(setting.world.room_b.id)}
    async with services.sessions() as session:
        rooms = list(
            await session.scalars(
                select(EnrolmentRow.classroom_id).where(
                    EnrolmentRow.child_id == uuid.UUID(child_id)
                )
            )
        )
    assert rooms == [setting.world.room_b.id]
    writes = await writes_since(services, since, setting)
    assert [(w["role"], w["action"], w["item"], w["facility_id"]) for w in writes] == [
        ("ward_admin", "update", "child_display", setting.world.facility.id)
    ]


async def test_special_care_columns_hold_ciphertext_after_an_update(
    api: GraphQLClient, services: Services, setting: Setting
) -> None:
    child = setting.world.families_a[1].child
    secret_health, secret_allergen = "てんかん発作の既往あり", "キウイフルーツ"
    result = await api(
        UPDATE_HEALTH,
        {"input": {"id": str(child.id), "healthStatus": secret_health,
                   "allergies": [{"allergen": secret_allergen, "severity": "PARTIAL"}]}},
        token=setting.tokens["director"],
    )  # fmt: skip
    assert result.errors == []
    async with services.engine.connect() as connection:
        raw = (
            await connection.execute(
                text("SELECT health_status, allergies FROM child WHERE id = :id"), {"id": child.id}
            )
        ).one()
    for column, secret in zip(raw, (secret_health, secret_allergen), strict=True):
        stored = bytes(column)
        assert stored[0] in (1, 2)  # the ciphertext format: JSON or text
        assert secret.encode() not in stored
        assert secret.encode("unicode_escape") not in stored
    row = await stored_child(services, child.id)
    assert row is not None and row.health_status == secret_health
