"""The access matrix of PRODUCT.md, end to end through the GraphQL API.

Every role × every item class × an in-scope and an out-of-scope record is its
own test. The expected outcome is PRODUCT.md's table written out again here,
by hand, on purpose: if ``domain/policy.py`` drifts from the product's table,
these tests fail (they never ask ``domain.policy`` what to expect).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from domain.policy import ItemClass
from persistence.models import ChildRow, GuardianshipRow
from tests.factories import PASSWORD, Family, World, build_world
from tests.support import GraphQLClient, Result

ROLES = ("ward_admin", "director", "nurse", "clerk", "teacher", "guardian", "kiosk", "reporter")

# PRODUCT.md, "Who reads what". Y = yes, N = no, OWN = only the viewer's own
# guardian record. Columns beyond the product's table: CHILD_DISPLAY is the
# kiosk's "display name, class"; GUARDIAN_NAME is the name part of "guardian
# contact" (a guardian reads co-guardians' name and relationship);
# PICKUP_PERSON follows child identity for everyone who reaches families;
# PICKUP_RESTRICTION is "visible only to staff" (issue 2). A guardian reaches
# only their own children, so child-level items are "own children" for them.
Y, N, OWN = "yes", "no", "own"
_C = ItemClass
_COLUMNS = (
    _C.CHILD_DISPLAY,
    _C.CHILD_IDENTITY,
    _C.CHILD_SPECIAL_CARE,
    _C.GUARDIAN_NAME,
    _C.GUARDIAN_CONTACT,
    _C.GUARDIAN_EMPLOYMENT,
    _C.GUARDIAN_SPECIAL_CARE,
    _C.HOUSEHOLD,
    _C.PICKUP_PERSON,
    _C.PICKUP_RESTRICTION,
)
# fmt: off
PRODUCT_TABLE: dict[str, tuple[str, ...]] = {
    #              disp id sc  gname gcon gemp gsc  hh pick restr
    "ward_admin": (Y,   Y, Y,  Y,    Y,   Y,   Y,   Y, Y,   Y),
    "director":   (Y,   Y, Y,  Y,    Y,   Y,   Y,   Y, Y,   Y),
    "nurse":      (Y,   Y, Y,  Y,    Y,   N,   N,   N, Y,   Y),
    "clerk":      (Y,   Y, N,  Y,    Y,   Y,   N,   N, Y,   Y),
    "teacher":    (Y,   Y, Y,  Y,    Y,   N,   N,   N, Y,   Y),
    "guardian":   (Y,   Y, Y,  Y,    OWN, OWN, OWN, Y, Y,   N),
    "kiosk":      (Y,   N, N,  N,    N,   N,   N,   N, N,   N),
    "reporter":   (N,   N, N,  N,    N,   N,   N,   N, N,   N),
}
# fmt: on
EXPECTED = {role: dict(zip(_COLUMNS, row, strict=True)) for role, row in PRODUCT_TABLE.items()}

# Roles that reach no guardian at all: a child's guardian list is empty for them.
NO_FAMILY_REACH = {"kiosk", "reporter"}
# Roles that reach no child at all: every child is NOT_FOUND.
NO_CHILD_REACH = {"reporter"}

# What tests/factories.py stores for each family (guardianship rows, household
# member and pick-up person are not handed back by the factory).
LINKS = (("父", False, None), ("母", True, "接近禁止命令"))  # primary contact first
HOUSEHOLD_MEMBER = {
    "name": "山田 一郎",
    "relationship": "祖父",
    "sex": "male",
    "dateOfBirth": "1950-01-01",
}
PICKUP_PERSON = {
    "name": "山田 梅",
    "nameKana": "ヤマダ ウメ",
    "relationship": "祖母",
    "phone": "090-0000-1111",
}


@dataclass(frozen=True)
class Probe:
    """Representative fields of one item class and the values factories stored."""

    on_guardian: bool
    fields: tuple[str, ...]
    selection: str

    def expected(self, family: Family, index: int) -> dict[str, Any]:
        return _EXPECTED_VALUES[self.selection](family, index)


def _child_values(family: Family, _: int) -> dict[str, Any]:
    c = family.child
    return {
        "displayName": f"{c.family_name} {c.given_name}",
        "familyNameKana": c.family_name_kana,
        "sex": c.sex.upper(),
        "dateOfBirth": c.date_of_birth.isoformat(),
        "nationality": c.nationality,
        "healthStatus": c.health_status,
        "familyDoctor": c.family_doctor,
        "allergies": c.allergies,
        "householdMembers": [HOUSEHOLD_MEMBER],
        "pickupPersons": [PICKUP_PERSON],
    }


def _guardian_values(family: Family, index: int) -> dict[str, Any]:
    g = (family.guardian, family.co_guardian)[index]
    relationship, restricted, reason = LINKS[index]
    return {
        "familyName": g.family_name,
        "relationship": relationship,
        "mobilePhone": g.mobile_phone,
        "homePhone": g.home_phone,
        "address": g.address,
        "employment": {
            "employerName": g.employer_name,
            "address": g.employer_address,
            "phone": g.employer_phone,
        },
        "familySituation": g.family_situation,
        "illness": g.illness,
        "pickupRestricted": restricted,
        "pickupRestrictionReason": reason,
    }


PROBES: dict[ItemClass, Probe] = {
    _C.CHILD_DISPLAY: Probe(False, ("displayName", "classroom"), "displayName classroom { name }"),
    _C.CHILD_IDENTITY: Probe(
        False,
        ("familyNameKana", "sex", "dateOfBirth", "nationality"),
        "familyNameKana sex dateOfBirth nationality",
    ),
    _C.CHILD_SPECIAL_CARE: Probe(
        False,
        ("healthStatus", "familyDoctor", "allergies"),
        "healthStatus familyDoctor allergies { allergen severity note }",
    ),
    _C.HOUSEHOLD: Probe(
        False, ("householdMembers",), "householdMembers { name relationship sex dateOfBirth }"
    ),
    _C.PICKUP_PERSON: Probe(
        False, ("pickupPersons",), "pickupPersons { name nameKana relationship phone }"
    ),
    _C.GUARDIAN_NAME: Probe(True, ("familyName", "relationship"), "familyName relationship"),
    _C.GUARDIAN_CONTACT: Probe(True, ("mobilePhone", "homePhone"), "mobilePhone homePhone"),
    _C.GUARDIAN_EMPLOYMENT: Probe(
        True, ("address", "employment"), "address employment { employerName address phone }"
    ),
    _C.GUARDIAN_SPECIAL_CARE: Probe(
        True, ("familySituation", "illness"), "familySituation illness"
    ),
    _C.PICKUP_RESTRICTION: Probe(
        True,
        ("pickupRestricted", "pickupRestrictionReason"),
        "pickupRestricted pickupRestrictionReason",
    ),
}
_EXPECTED_VALUES = {
    p.selection: (_guardian_values if p.on_guardian else _child_values) for p in PROBES.values()
}


def test_the_expected_table_covers_every_item_class_and_role() -> None:
    assert set(_COLUMNS) == set(ItemClass) == set(PROBES)
    assert set(PRODUCT_TABLE) == set(ROLES)


@dataclass
class Setting:
    world: World
    other_world: World
    tokens: dict[str, str]
    co_guardians_other_child: uuid.UUID


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setting(api: GraphQLClient, services: Any) -> AsyncIterator[Setting]:
    world = await build_world(services.sessions)
    other_world = await build_world(services.sessions)
    other_child = await _give_co_guardian_another_child(services, world)
    tokens = {role: await api.login(world.logins[role], PASSWORD) for role in ROLES}
    yield Setting(world, other_world, tokens, other_child)


async def _give_co_guardian_another_child(services: Any, world: World) -> uuid.UUID:
    """A child of the co-guardian with someone else: not the viewing guardian's child."""
    child = ChildRow(
        id=uuid.uuid4(),
        facility_id=world.facility.id,
        classroom_id=world.room_a.id,
        family_name="佐藤",
        given_name="健",
        family_name_kana="サトウ",
        given_name_kana="ケン",
        sex="male",
        date_of_birth=world.family.child.date_of_birth,
        health_status="喘息",
    )
    async with services.sessions.begin() as session:
        session.add(child)
        await session.flush()
        session.add(
            GuardianshipRow(
                child_id=child.id, guardian_id=world.family.co_guardian.id, relationship="母"
            )
        )
    return child.id


def _query(probe: Probe) -> str:
    inner = f"guardians {{ id {probe.selection} }}" if probe.on_guardian else probe.selection
    return f"query($id: ID!) {{ child(id: $id) {{ id {inner} }} }}"


def _out_of_scope_child(role: str, setting: Setting) -> uuid.UUID:
    """A record outside the role's reach (for a ward admin: another facility's child)."""
    if role == "teacher":
        return setting.world.families_b[0].child.id  # room_b is not the teacher's class
    if role == "guardian":
        return setting.world.families_a[1].child.id  # another family in the same class
    return setting.other_world.family.child.id


async def _not_found_message(api: GraphQLClient, token: str) -> str:
    result = await api(_query(PROBES[_C.CHILD_DISPLAY]), {"id": str(uuid.uuid4())}, token=token)
    assert result.codes() == ["NOT_FOUND"], result.errors
    return str(result.errors[0]["message"])


def _allowed(role: str, item_class: ItemClass, *, own_record: bool) -> bool:
    level = EXPECTED[role][item_class]
    return level == Y or (level == OWN and own_record)


def _expected_errors(role: str, probe: Probe, item_class: ItemClass, paths: list[list[Any]]):
    """(path, code) for each field expected to be denied."""
    denied = []
    for index, prefix in enumerate(paths):
        own_record = role == "guardian" and probe.on_guardian and index == 0
        if not _allowed(role, item_class, own_record=own_record):
            denied += [((*prefix, field), "FORBIDDEN") for field in probe.fields]
    return sorted(denied)


def _assert_outcome(result: Result, role: str, item_class: ItemClass, family: Family) -> None:
    probe = PROBES[item_class]
    child = result.data["child"]
    assert child["id"] == str(family.child.id), "the rest of the query must still answer"
    if probe.on_guardian:
        guardians = child["guardians"]
        if role in NO_FAMILY_REACH:
            assert guardians == [] and result.errors == []
            return
        assert [g["id"] for g in guardians] == [str(family.guardian.id), str(family.co_guardian.id)]
        objects = guardians
        prefixes = [["child", "guardians", i] for i in range(len(guardians))]
    else:
        objects, prefixes = [child], [["child"]]
    actual_errors = sorted((tuple(e["path"]), e["extensions"]["code"]) for e in result.errors)
    assert actual_errors == _expected_errors(role, probe, item_class, prefixes), result.errors
    for index, obj in enumerate(objects):
        own_record = role == "guardian" and probe.on_guardian and index == 0
        values = probe.expected(family, index)
        for field in probe.fields:
            if _allowed(role, item_class, own_record=own_record):
                expected = {"name": "a"} if field == "classroom" else values[field]
                assert obj[field] == expected, (field, obj)
            else:
                assert obj[field] is None, (field, obj)


CASES = [
    pytest.param(role, item_class, scope, id=f"{role}-{item_class.value}-{scope}")
    for role in ROLES
    for item_class in _COLUMNS
    for scope in ("in_scope", "out_of_scope")
]


@pytest.mark.parametrize(("role", "item_class", "scope"), CASES)
async def test_access_matrix(
    api: GraphQLClient, setting: Setting, role: str, item_class: ItemClass, scope: str
) -> None:
    token = setting.tokens[role]
    in_scope = scope == "in_scope"
    child_id = setting.world.family.child.id if in_scope else _out_of_scope_child(role, setting)
    result = await api(_query(PROBES[item_class]), {"id": str(child_id)}, token=token)
    reachable = role not in NO_CHILD_REACH and (in_scope or role == "ward_admin")
    if not reachable:
        assert result.data is None
        assert result.codes() == ["NOT_FOUND"]
        assert result.error_paths() == [["child"]]
        # Same words as for an id that exists nowhere: nothing leaks.
        assert result.errors[0]["message"] == await _not_found_message(api, token)
        return
    family = setting.world.family if in_scope else setting.other_world.family
    _assert_outcome(result, role, item_class, family)


# Guardian-specific: own record, co-guardian, other families.

OWN_RECORD = """query($id: ID!) { child(id: $id) { guardians {
    id familyName relationship mobilePhone address employment { employerName }
    familySituation illness } } }"""


async def test_guardian_reads_own_record_but_only_name_and_relationship_of_co_guardian(
    api: GraphQLClient, setting: Setting
) -> None:
    family = setting.world.family
    result = await api(OWN_RECORD, {"id": str(family.child.id)}, token=setting.tokens["guardian"])
    own, co = result.data["child"]["guardians"]
    assert own == {
        "id": str(family.guardian.id),
        "familyName": family.guardian.family_name,
        "relationship": "父",
        "mobilePhone": family.guardian.mobile_phone,
        "address": family.guardian.address,
        "employment": {"employerName": family.guardian.employer_name},
        "familySituation": family.guardian.family_situation,
        "illness": family.guardian.illness,
    }
    assert co == {
        "id": str(family.co_guardian.id),
        "familyName": family.co_guardian.family_name,
        "relationship": "母",
        "mobilePhone": None,
        "address": None,
        "employment": None,
        "familySituation": None,
        "illness": None,
    }
    denied = ("mobilePhone", "address", "employment", "familySituation", "illness")
    assert sorted(tuple(e["path"]) for e in result.errors) == sorted(
        ("child", "guardians", 1, f) for f in denied
    )
    assert set(result.codes()) == {"FORBIDDEN"}


async def test_guardian_reads_own_record_through_viewer(
    api: GraphQLClient, setting: Setting
) -> None:
    guardian = setting.world.family.guardian
    result = await api(
        "{ viewer { guardian { id mobilePhone address familySituation } } }",
        token=setting.tokens["guardian"],
    )
    assert result.errors == []
    assert result.data["viewer"]["guardian"] == {
        "id": str(guardian.id),
        "mobilePhone": guardian.mobile_phone,
        "address": guardian.address,
        "familySituation": guardian.family_situation,
    }


async def test_co_guardians_other_children_never_appear(
    api: GraphQLClient, setting: Setting
) -> None:
    family, token = setting.world.family, setting.tokens["guardian"]
    own_child = [{"id": str(family.child.id)}]
    result = await api(
        """query($child: ID!, $co: ID!) {
            child(id: $child) { guardians { children { id } } }
            guardian(id: $co) { children { id } }
            viewer { children { id } }
            children(first: 100) { nodes { id } } }""",
        {"child": str(family.child.id), "co": str(family.co_guardian.id)},
        token=token,
    )
    assert result.errors == []
    assert result.data["child"]["guardians"] == [{"children": own_child}] * 2
    assert result.data["guardian"] == {"children": own_child}
    assert result.data["viewer"] == {"children": own_child}
    assert result.data["children"] == {"nodes": own_child}


async def test_co_guardians_other_child_is_not_found_for_the_guardian(
    api: GraphQLClient, setting: Setting
) -> None:
    token = setting.tokens["guardian"]
    result = await api(
        "query($id: ID!) { child(id: $id) { id } }",
        {"id": str(setting.co_guardians_other_child)},
        token=token,
    )
    assert result.data is None
    assert result.codes() == ["NOT_FOUND"]
    assert result.errors[0]["message"] == await _not_found_message(api, token)


async def test_guardian_of_another_family_is_not_found(
    api: GraphQLClient, setting: Setting
) -> None:
    token = setting.tokens["guardian"]
    stranger = setting.world.families_a[1].guardian.id
    result = await api(
        "query($id: ID!) { guardian(id: $id) { id } }", {"id": str(stranger)}, token=token
    )
    random = await api(
        "query($id: ID!) { guardian(id: $id) { id } }", {"id": str(uuid.uuid4())}, token=token
    )
    assert result.codes() == random.codes() == ["NOT_FOUND"]
    assert result.errors[0]["message"] == random.errors[0]["message"]


# Kiosk: only display name and classroom, on every field of a child.

ALL_CHILD_FIELDS = (
    "displayName",
    "familyName",
    "givenName",
    "familyNameKana",
    "givenNameKana",
    "sex",
    "dateOfBirth",
    "nationality",
    "certifiedHours",
    "classroom { name }",
    "healthStatus",
    "growthStatus",
    "careNotes",
    "familyDoctor",
    "allergies { allergen }",
    "householdMembers { name }",
    "pickupPersons { name }",
    "guardians { id }",
)


async def test_kiosk_sees_only_display_name_and_classroom(
    api: GraphQLClient, setting: Setting
) -> None:
    child = setting.world.family.child
    result = await api(
        f"query($id: ID!) {{ child(id: $id) {{ {' '.join(ALL_CHILD_FIELDS)} }} }}",
        {"id": str(child.id)},
        token=setting.tokens["kiosk"],
    )
    data = result.data["child"]
    assert data.pop("displayName") == f"{child.family_name} {child.given_name}"
    assert data.pop("classroom") == {"name": "a"}
    assert data.pop("guardians") == []
    assert data == dict.fromkeys(data)
    assert sorted(result.error_paths()) == sorted(["child", name] for name in data)
    assert set(result.codes()) == {"FORBIDDEN"}


async def test_kiosk_and_reporter_reach_no_guardian(api: GraphQLClient, setting: Setting) -> None:
    guardian = setting.world.family.guardian
    for role in ("kiosk", "reporter"):
        result = await api(
            "query($id: ID!) { guardian(id: $id) { id } }",
            {"id": str(guardian.id)},
            token=setting.tokens[role],
        )
        assert result.codes() == ["NOT_FOUND"], role
