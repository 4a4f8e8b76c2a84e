"""Every field that hands out a person is row-scoped: walked from the schema, not listed by hand.

Issue 6 item 4: after a child moved to another class, its old teacher still read a
guardian's phone, birth date and pick-up restriction through an old alert's
``presentedBy``. Here every field (on any type) whose type is ``Child``, ``Guardian``,
``HouseholdMember`` or ``PickupPerson`` (or a list of them) is found by introspection,
and each is reached by an actor for whom that family is out of scope. A new such field
fails ``test_every_person_field_has_a_probe`` until a probe below covers it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select, update

from domain.attendance import local_day
from hoiku.app import create_app
from hoiku.settings import Settings
from persistence.models import (
    AttendanceAlertRow,
    ChildRow,
    HouseholdMemberRow,
    PickupPersonRow,
)
from realtime import channels
from resolvers.attendance.subscriptions import encode_cursor
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.realtime_support import (
    TEST_SECRET,
    GraphQLWS,
    in_process_server,
    login,
    subscription,
)
from tests.services import RedisServer, started_redis
from tests.support import GraphQLClient, Result

PERSON_TYPES = {"Child", "Guardian", "HouseholdMember", "PickupPerson"}
HIDDEN_CODES = {"NOT_FOUND", "FORBIDDEN"}

INTROSPECTION = """{ __schema { types { name fields { name type {
  kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"""


def _named(type_ref: dict[str, Any]) -> str | None:
    while type_ref.get("ofType") is not None:
        type_ref = type_ref["ofType"]
    return type_ref.get("name")


@dataclasses.dataclass(frozen=True)
class Probe:
    """How an out-of-scope actor reaches the field: who, and which document."""

    actor: str  # "teacher": W's teacher of room a (the child moved to room b); "outsider":
    # another facility's director; "other_guardian": a guardian of another facility
    document: str
    variables: dict[str, str]  # values are keys of Setting.ids, or literals


ALERT = "attendanceAlerts(facilityId: $facility, date: $today)"
STAMP = "presentedBy { id mobilePhone dateOfBirth pickupRestricted pickupRestrictionReason }"
PAYLOAD_CHILD = "child { id guardians { id } }"


def _q(document: str, **variables: str) -> Probe:
    return Probe("teacher", document, variables)


def _out(document: str, **variables: str) -> Probe:
    return Probe("outsider", document, variables)


CHILD_INPUT = (
    '{classroomId: $room, familyName: "外", givenName: "部", familyNameKana: "ソト",'
    ' givenNameKana: "ベ", sex: FEMALE, dateOfBirth: "2022-01-01"}'
)
GUARDIAN_INPUT = (
    '{childId: $child, relationship: "父", familyName: "外", givenName: "部",'
    ' familyNameKana: "ソト", givenNameKana: "ベ"}'
)
PERSON_ARGS = "($child: ID!, $guardian: ID!)"
LINK_INPUT = '{childId: $child, guardianId: $guardian, relationship: "父"}'

# Every person-returning field of the schema, and how an out-of-scope actor reaches it.
PROBES: dict[str, Probe] = {
    "AttendanceAlert.child": _q(
        f"query($facility: ID!, $today: Date!) {{ {ALERT} {{ child {{ id }} }} }}",
        facility="facility",
        today="today",
    ),
    "AttendanceAlert.presentedBy": _q(
        f"query($facility: ID!, $today: Date!) {{ {ALERT} {{ {STAMP} }} }}",
        facility="facility",
        today="today",
    ),
    "AttendanceAlert.presentedByPickupPerson": _q(
        f"query($facility: ID!, $today: Date!) {{ {ALERT}"
        " { presentedByPickupPerson { id phone } } }",
        facility="facility",
        today="today",
    ),
    "AttendanceEvent.child": Probe("teacher", "ws:child { id displayName }", {}),
    "AttendanceStamp.child": Probe("teacher", "ws:stamp { child { id } }", {}),
    "AttendanceStamp.presentedBy": Probe("teacher", f"ws:stamp {{ {STAMP} }}", {}),
    "AttendanceStamp.presentedByPickupPerson": Probe(
        "teacher", "ws:stamp { presentedByPickupPerson { id phone } }", {}
    ),
    "AttendanceNotice.child": _q(
        "query($child: ID!) { notices(childId: $child) { child { id } } }", child="child"
    ),
    "BoardEntry.child": _q(
        "query($room: ID!, $today: Date!) { attendanceBoard(classroomId: $room, date: $today)"
        " { entries { child { id } } } }",
        room="room_a",
        today="today",
    ),
    "ChildMonthlyFigures.child": _q(
        "query($room: ID!, $month: String!) { monthlyAttendance(classroomId: $room,"
        " month: $month) { children { child { id } } } }",
        room="room_a",
        month="month",
    ),
    "Query.child": _q("query($child: ID!) { child(id: $child) { id } }", child="child"),
    "Child.guardians": _q(
        "query($child: ID!) { child(id: $child) { guardians { id } } }", child="child"
    ),
    "Child.householdMembers": Probe(
        "outsider",
        "query($child: ID!) { child(id: $child) { householdMembers { id } } }",
        {"child": "child"},
    ),
    "Child.pickupPersons": _q(
        "query($child: ID!) { child(id: $child) { pickupPersons { id } } }", child="child"
    ),
    "Query.guardian": _q(
        "query($guardian: ID!) { guardian(id: $guardian) { id } }", guardian="guardian"
    ),
    "Guardian.children": _q(
        "query($guardian: ID!) { guardian(id: $guardian) { children { id } } }",
        guardian="guardian",
    ),
    "ChildPage.nodes": _q(
        "query($room: ID!) { children(classroomId: $room) { nodes { id } } }", room="room_b"
    ),
    "Classroom.children": _q(
        "query($room: ID!) { classroom(id: $room) { children { id } } }", room="room_a"
    ),
    "Viewer.children": Probe("other_guardian", "{ viewer { children { id } } }", {}),
    "Viewer.guardian": Probe(
        "other_guardian", "{ viewer { guardian { id children { id } } } }", {}
    ),
    "CreateChildPayload.child": _out(
        f"mutation($room: ID!) {{ createChild(input: {CHILD_INPUT}) {{ {PAYLOAD_CHILD} }} }}",
        room="room_b",
    ),
    "UpdateChildPayload.child": _out(
        'mutation($child: ID!) { updateChild(input: {id: $child, nationality: "日本"})'
        " { child { id } } }",
        child="child",
    ),
    "CreateGuardianPayload.guardian": _out(
        f"mutation($child: ID!) {{ createGuardian(input: {GUARDIAN_INPUT})"
        " { guardian { id children { id } } } }",
        child="child",
    ),
    "CreateGuardianPayload.child": _out(
        f"mutation($child: ID!) {{ createGuardian(input: {GUARDIAN_INPUT}) {{ child {{ id }} }} }}",
        child="child",
    ),
    "UpdateGuardianPayload.guardian": _out(
        "mutation($guardian: ID!) { updateGuardian(input: {id: $guardian,"
        ' nationality: "日本"}) { guardian { id } } }',
        guardian="guardian",
    ),
    "LinkGuardianPayload.guardian": _out(
        f"mutation{PERSON_ARGS} {{ linkGuardian(input: {LINK_INPUT}) {{ guardian {{ id }} }} }}",
        child="child",
        guardian="guardian",
    ),
    "LinkGuardianPayload.child": _out(
        f"mutation{PERSON_ARGS} {{ linkGuardian(input: {LINK_INPUT}) {{ child {{ id }} }} }}",
        child="child",
        guardian="guardian",
    ),
    "UnlinkGuardianPayload.child": _out(
        f"mutation{PERSON_ARGS} {{ unlinkGuardian(input: {{childId: $child,"
        " guardianId: $guardian}) { child { id guardians { id } } } }",
        child="child",
        guardian="co_guardian",
    ),
    "AddHouseholdMemberPayload.householdMember": _out(
        'mutation($child: ID!) { addHouseholdMember(input: {childId: $child, name: "外部",'
        ' relationship: "祖父"}) { householdMember { id } } }',
        child="child",
    ),
    "AddHouseholdMemberPayload.child": _out(
        'mutation($child: ID!) { addHouseholdMember(input: {childId: $child, name: "外部",'
        ' relationship: "祖父"}) { child { id } } }',
        child="child",
    ),
    "AddPickupPersonPayload.pickupPerson": _out(
        'mutation($child: ID!) { addPickupPerson(input: {childId: $child, name: "外部",'
        ' nameKana: "ガイブ", relationship: "叔母"}) { pickupPerson { id } } }',
        child="child",
    ),
    "AddPickupPersonPayload.child": _out(
        'mutation($child: ID!) { addPickupPerson(input: {childId: $child, name: "外部",'
        ' nameKana: "ガイブ", relationship: "叔母"}) { child { id } } }',
        child="child",
    ),
    "RemovedPayload.child": _out(
        "mutation($member: ID!) { removeHouseholdMember(id: $member) { child { id } } }",
        member="household_member",
    ),
}


@dataclasses.dataclass
class Setting:
    world: World
    ids: dict[str, str]  # names a probe's variables use
    secrets: set[str]  # what must never come back: the moved family's ids and restriction
    tokens: dict[str, str]
    ws_events: list[dict[str, Any]]  # the old class's stream, as the old teacher receives it


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def redis() -> AsyncIterator[RedisServer]:
    server = await started_redis()
    yield server
    await server.kill()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setting(
    api: GraphQLClient, services: Services, redis: RedisServer
) -> AsyncIterator[Setting]:
    world, other = await build_world(services.sessions), await build_world(services.sessions)
    moved = world.family
    tokens = {
        "teacher": await api.login(world.logins["teacher"], PASSWORD),
        "outsider": await api.login(other.logins["director"], PASSWORD),
        "other_guardian": await api.login(other.logins["guardian"], PASSWORD),
    }
    # While the child is still in room a: a stamp the teacher makes, and alerts naming
    # the restricted co-guardian and the authorised pick-up person.
    checked_in = await api(
        "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }",
        {"id": str(moved.child.id)},
        token=tokens["teacher"],
    )
    assert checked_in.errors == [], checked_in.errors
    now = services.clock()
    async with services.sessions.begin() as session:
        person = await session.scalar(
            select(PickupPersonRow).where(PickupPersonRow.child_id == moved.child.id)
        )
        member = await session.scalar(
            select(HouseholdMemberRow).where(HouseholdMemberRow.child_id == moved.child.id)
        )
        assert person is not None and member is not None
        for n, presenter in enumerate(
            ({"guardian_id": moved.co_guardian.id}, {"pickup_person_id": person.id})
        ):
            session.add(
                AttendanceAlertRow(
                    facility_id=world.facility.id,
                    classroom_id=world.room_a.id,
                    child_id=moved.child.id,
                    kind="pickup_refused",
                    day=local_day(now),
                    at=now,
                    dedupe_key=f"probe:{world.tag}:{n}",
                    details={},
                    **presenter,
                )
            )
        await session.execute(
            update(ChildRow)
            .where(ChildRow.id == moved.child.id)
            .values(classroom_id=world.room_b.id)
        )
    ids = {
        "facility": str(world.facility.id),
        "today": local_day(now).isoformat(),
        "month": local_day(now).strftime("%Y-%m"),
        "room_a": str(world.room_a.id),
        "room_b": str(world.room_b.id),
        "child": str(moved.child.id),
        "guardian": str(moved.guardian.id),
        "co_guardian": str(moved.co_guardian.id),
        "household_member": str(member.id),
    }
    secrets = {
        str(moved.child.id), str(moved.guardian.id), str(moved.co_guardian.id),
        str(person.id), str(member.id), "接近禁止命令", moved.child.given_name, person.phone or "",
    }  # fmt: skip
    events = await _old_class_stream(services, redis, world)
    yield Setting(world, ids, secrets, tokens, events)


async def _old_class_stream(
    services: Services, redis: RedisServer, world: World
) -> list[dict[str, Any]]:
    """The old teacher replays room a's stream from its start over a real WebSocket."""
    own = dataclasses.replace(services, hub=None, publisher=None, session_watch=None)
    settings = Settings(redis_url=redis.url, secret_key=TEST_SECRET)
    selection = " ".join(p.document[3:] for p in PROBES.values() if p.document.startswith("ws:"))
    stream = channels.classroom_attendance(world.room_a.id)
    async with in_process_server(create_app(settings, services=own)) as server:
        token = await login(server.base_url, world.logins["teacher"], PASSWORD)
        async with GraphQLWS.connect(server.ws_url, token) as client:
            op = await client.subscribe(
                subscription("attendanceChanged", f"cursor kind {selection}"),
                {"id": str(world.room_a.id), "after": encode_cursor(stream, 0)},
            )
            return [await op.payload()]  # the check-in: the one event of the stream


async def _schema_person_fields(api: GraphQLClient, token: str) -> set[str]:
    result = await api(INTROSPECTION, token=token)
    assert result.errors == [], result.errors
    return {
        f"{t['name']}.{f['name']}"
        for t in result.data["__schema"]["types"]
        if not t["name"].startswith("__")
        for f in t["fields"] or ()
        if _named(f["type"]) in PERSON_TYPES
    }


async def test_every_person_field_has_a_probe(api, services, setting):
    admin = await api.login(setting.world.logins["ward_admin"], PASSWORD)
    found = await _schema_person_fields(api, admin)
    assert found, "the schema walk found no person fields"
    assert sorted(found - PROBES.keys()) == [], "person fields with no out-of-scope probe"
    assert sorted(PROBES.keys() - found) == [], "probes of fields the schema no longer has"


@pytest.mark.parametrize("field", sorted(PROBES))
async def test_an_out_of_scope_person_is_never_handed_out(api, setting, field):
    probe = PROBES[field]
    name = field.split(".")[1]
    assert name in probe.document, f"the probe of {field} does not select it"
    if probe.document.startswith("ws:"):
        body = setting.ws_events
        assert all("errors" not in e for e in body), body
    else:
        variables = {k: setting.ids[v] for k, v in probe.variables.items()}
        result: Result = await api(probe.document, variables, token=setting.tokens[probe.actor])
        assert set(result.codes()) <= HIDDEN_CODES, result.errors
        body = [result.data]
    text = json.dumps(body, ensure_ascii=False)
    leaked = sorted(s for s in setting.secrets if s and s in text)
    assert leaked == [], f"{field} handed out {leaked}: {text}"


async def test_the_old_alert_still_shows_but_not_who_presented(api, setting):
    """The alert is the old class's (its teacher still sees it); the people are not."""
    probe = PROBES["AttendanceAlert.presentedBy"]
    variables = {k: setting.ids[v] for k, v in probe.variables.items()}
    result = await api(probe.document, variables, token=setting.tokens["teacher"])
    assert result.errors == []
    assert result.data["attendanceAlerts"]  # the old class's alerts are still listed
    assert all(a["presentedBy"] is None for a in result.data["attendanceAlerts"])
