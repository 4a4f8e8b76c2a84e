"""Who may write which item class: writes follow reads, for record editors only,
with nurses keeping children's health records. Pure: no fixtures."""

from __future__ import annotations

import uuid

import pytest

from domain.policy import ItemClass, can_read, can_write, unwritable
from domain.roles import Actor, Role

C = ItemClass
EVERY_CLASS = frozenset(ItemClass)
EDITABLE_BY_CLERK = frozenset(
    {
        C.CHILD_DISPLAY,
        C.CHILD_IDENTITY,
        C.GUARDIAN_NAME,
        C.GUARDIAN_CONTACT,
        C.GUARDIAN_EMPLOYMENT,
        C.PICKUP_PERSON,
        C.PICKUP_RESTRICTION,
    }
)

# The whole write table, row by row: what each role may write.
WRITES: dict[Role, frozenset[ItemClass]] = {
    Role.WARD_ADMIN: EVERY_CLASS,
    Role.DIRECTOR: EVERY_CLASS,
    Role.CLERK: EDITABLE_BY_CLERK,
    Role.NURSE: frozenset({C.CHILD_SPECIAL_CARE}),
    Role.TEACHER: frozenset(),
    Role.GUARDIAN: frozenset(),
    Role.KIOSK: frozenset(),
    Role.REPORTER: frozenset(),
}


def actor(role: Role) -> Actor:
    return Actor(account_id=uuid.uuid4(), role=role, facility_id=uuid.uuid4())


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("item_class", list(ItemClass))
def test_write_table(role: Role, item_class: ItemClass) -> None:
    assert can_write(actor(role), item_class) is (item_class in WRITES[role])


@pytest.mark.parametrize("role", list(Role))
def test_nobody_writes_what_they_cannot_read(role: Role) -> None:
    who = actor(role)
    assert all(can_read(who, c) for c in ItemClass if can_write(who, c))


def test_a_guardian_cannot_write_even_their_own_record() -> None:
    guardian = Actor(account_id=uuid.uuid4(), role=Role.GUARDIAN, guardian_id=uuid.uuid4())
    assert can_read(guardian, C.GUARDIAN_CONTACT, is_own=True)
    assert not can_write(guardian, C.GUARDIAN_CONTACT)


def test_clerk_may_not_write_special_care_or_household() -> None:
    touched = [C.CHILD_IDENTITY, C.HOUSEHOLD, C.CHILD_SPECIAL_CARE, C.GUARDIAN_SPECIAL_CARE]
    assert unwritable(actor(Role.CLERK), touched) == [
        C.CHILD_SPECIAL_CARE,
        C.GUARDIAN_SPECIAL_CARE,
        C.HOUSEHOLD,
    ]


def test_nurse_may_write_health_items_but_not_identity() -> None:
    nurse = actor(Role.NURSE)
    assert unwritable(nurse, [C.CHILD_SPECIAL_CARE]) == []
    assert unwritable(nurse, [C.CHILD_SPECIAL_CARE, C.CHILD_IDENTITY]) == [C.CHILD_IDENTITY]


def test_nothing_touched_is_nothing_denied() -> None:
    assert unwritable(actor(Role.KIOSK), []) == []
