"""Fields only staff read carry ``@staffOnly`` in the SDL, and are FORBIDDEN to anyone else.

The directive declares what the resolver enforces (``schema.guard.staff_only``);
this test holds the two together: the declared fields are written out below,
every field resolver that calls a staff-only check carries the directive, and
each declared field answers FORBIDDEN, at its own path, to every non-staff role
that reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graphql
import pytest
from graphql.language import ObjectTypeDefinitionNode

from schema.build import build_schema, printed_sdl
from tests.attendance_support import TUESDAY, DayClock, only_error
from tests.factories import PASSWORD, build_world

# Written out independently of the schema: changing who may read these is a review item.
STAFF_ONLY = {
    "AttendanceStamp.reason",
    "AttendanceStamp.corrects",
    "AttendanceStamp.correctedBy",
    "Child.stampHistory",
    "Query.attendanceBoard",
    "Query.attendanceAlerts",
}
# What a field resolver calls to admit staff only (domain.attendance_policy predicates).
STAFF_CHECKS = {"require_staff_history"}

_STAMP = """mutation($id: ID!) { checkIn(childId: $id, idempotencyKey: "staff-only") {
  stamp { id %s } } }"""
# Field → (a document reaching it, the path of the field, roles reaching its parent).
DOCUMENTS: dict[str, tuple[str, list[str | int], tuple[str, ...]]] = {
    "AttendanceStamp.reason": (_STAMP % "reason", ["checkIn", "stamp", "reason"], ()),
    "AttendanceStamp.corrects": (
        _STAMP % "corrects { id }",
        ["checkIn", "stamp", "corrects"],
        (),
    ),
    "AttendanceStamp.correctedBy": (
        _STAMP % "correctedBy { id }",
        ["checkIn", "stamp", "correctedBy"],
        (),
    ),
    "Child.stampHistory": (
        """query($id: ID!, $d: Date!) { child(id: $id) { id stampHistory(date: $d) { id } } }""",
        ["child", "stampHistory"],
        (),
    ),
    "Query.attendanceBoard": (
        """query($c: ID!, $d: Date!) { attendanceBoard(classroomId: $c, date: $d) { date } }""",
        ["attendanceBoard"],
        ("reporter",),
    ),
    "Query.attendanceAlerts": (
        """query($f: ID!, $d: Date!) { attendanceAlerts(facilityId: $f, date: $d) { id } }""",
        ["attendanceAlerts"],
        ("reporter",),
    ),
}
# Non-staff roles that reach children and their stamps; the reporter reaches no row.
READERS = ("guardian", "kiosk")


def _declared_in_sdl() -> set[str]:
    document = graphql.parse(printed_sdl(build_schema()))
    return {
        f"{definition.name.value}.{node.name.value}"
        for definition in document.definitions
        if isinstance(definition, ObjectTypeDefinitionNode)
        for node in definition.fields or ()
        if any(d.name.value == "staffOnly" for d in node.directives or ())
    }


def _resolvers() -> Iterator[tuple[str, Any]]:
    for type_name, graphql_type in build_schema()._schema.type_map.items():
        for name, field in getattr(graphql_type, "fields", {}).items():
            definition = field.extensions.get("strawberry-definition")
            if definition is not None and definition.base_resolver is not None:
                yield f"{type_name}.{name}", definition.base_resolver.wrapped_func


def test_the_sdl_declares_the_staff_only_fields() -> None:
    assert _declared_in_sdl() == STAFF_ONLY
    assert set(DOCUMENTS) == STAFF_ONLY  # each declared field is exercised below


def test_every_field_whose_resolver_admits_staff_only_declares_it() -> None:
    enforcing = {
        name
        for name, resolver in _resolvers()
        if STAFF_CHECKS & set(getattr(getattr(resolver, "__code__", None), "co_names", ()))
    }
    assert enforcing - STAFF_ONLY == set()
    # The check bites: it finds the stamp history fields.
    assert {"Child.stampHistory", "AttendanceStamp.reason"} <= enforcing


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(8, 30)
    yield moving
    clock.now = saved


@pytest.mark.parametrize("role", [*READERS, "reporter"])
async def test_each_staff_only_field_is_forbidden_to_non_staff(api, services, day, role):
    world = await build_world(services.sessions)
    token = await api.login(world.logins[role], PASSWORD)
    variables = {
        "id": str(world.family.child.id),
        "c": str(world.room_a.id),
        "f": str(world.facility.id),
        "d": TUESDAY.isoformat(),
    }
    cases = {
        name: (document, path)
        for name, (document, path, also) in DOCUMENTS.items()
        if role in READERS + also
    }
    assert cases  # every role is refused something
    for name, (document, path) in cases.items():
        result = await api(document, variables, token=token)
        error = only_error(result)
        assert (name, error["path"], error["extensions"]) == (name, path, {"code": "FORBIDDEN"})
