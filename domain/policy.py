"""The access policy of PRODUCT.md, declared once as data.

Read the matrix row by row: for each role, how far each item class reaches.
``ALL`` means every record in the actor's scope (row scope is enforced
separately, in SQL); ``OWN`` means only the actor's own record (a guardian's
own guardian record); ``NONE`` means never. Resolvers and SQL masking both read
this table; nothing else decides who sees what.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Final

from domain.roles import Actor, Role


class ItemClass(enum.StrEnum):
    """Classes of personal data items; each sensitive field declares one."""

    CHILD_DISPLAY = "child_display"  # display name, class, today's status
    CHILD_IDENTITY = "child_identity"  # kana, sex, date of birth, nationality
    CHILD_SPECIAL_CARE = "child_special_care"  # 要配慮: health, growth, notes, doctor, allergies
    GUARDIAN_NAME = "guardian_name"  # name, kana, relationship
    GUARDIAN_CONTACT = "guardian_contact"  # phones, fax, date of birth, nationality
    GUARDIAN_EMPLOYMENT = "guardian_employment"  # address, employer name/address/phone
    GUARDIAN_SPECIAL_CARE = "guardian_special_care"  # 要配慮: family situation, illness, ...
    HOUSEHOLD = "household"  # 同居家族: the whole record
    PICKUP_PERSON = "pickup_person"  # authorised pick-up persons
    PICKUP_RESTRICTION = "pickup_restriction"  # staff-only flag and reason


class Reach(enum.StrEnum):
    ALL = "all"
    OWN = "own"
    NONE = "none"


SPECIAL_CARE: Final = frozenset(
    {ItemClass.CHILD_SPECIAL_CARE, ItemClass.GUARDIAN_SPECIAL_CARE, ItemClass.HOUSEHOLD}
)

_ = Reach.NONE
A = Reach.ALL
O = Reach.OWN  # noqa: E741

# fmt: off
_COLUMNS: Final = (
    ItemClass.CHILD_DISPLAY, ItemClass.CHILD_IDENTITY, ItemClass.CHILD_SPECIAL_CARE,
    ItemClass.GUARDIAN_NAME, ItemClass.GUARDIAN_CONTACT, ItemClass.GUARDIAN_EMPLOYMENT,
    ItemClass.GUARDIAN_SPECIAL_CARE, ItemClass.HOUSEHOLD, ItemClass.PICKUP_PERSON,
    ItemClass.PICKUP_RESTRICTION,
)
_ROWS: Final = {
    #                  disp id  sc  gname gcon gemp gsc hh  pick restr
    Role.WARD_ADMIN: (A,   A,  A,  A,    A,   A,   A,  A,  A,   A),
    Role.DIRECTOR:   (A,   A,  A,  A,    A,   A,   A,  A,  A,   A),
    Role.NURSE:      (A,   A,  A,  A,    A,   _,   _,  _,  A,   A),
    Role.CLERK:      (A,   A,  _,  A,    A,   A,   _,  _,  A,   A),
    Role.TEACHER:    (A,   A,  A,  A,    A,   _,   _,  _,  A,   A),
    Role.GUARDIAN:   (A,   A,  A,  A,    O,   O,   O,  A,  A,   _),
    Role.KIOSK:      (A,   _,  _,  _,    _,   _,   _,  _,  _,   _),
    Role.REPORTER:   (_,   _,  _,  _,    _,   _,   _,  _,  _,   _),
}
# fmt: on

ACCESS_MATRIX: Final[Mapping[Role, Mapping[ItemClass, Reach]]] = {
    role: dict(zip(_COLUMNS, row, strict=True)) for role, row in _ROWS.items()
}


def reach(role: Role, item_class: ItemClass) -> Reach:
    return ACCESS_MATRIX[role][item_class]


def can_read(actor: Actor, item_class: ItemClass, *, is_own: bool = False) -> bool:
    """Whether ``actor`` may read an item of ``item_class`` on an in-scope record.

    ``is_own`` says whether the record is the actor's own (a guardian's own
    guardian record); it only matters where the reach is ``OWN``.
    """
    level = ACCESS_MATRIX[actor.role][item_class]
    return level is Reach.ALL or (level is Reach.OWN and is_own)


# Relationship-level rules: what a guardian's relationship to one child withholds on
# top of the matrix. A guardian whose pick-up of the child is restricted (a court
# order, protection from domestic violence) learns nothing of the child's
# whereabouts. Row scope applies these in SQL, so withheld rows look like no rows.


class Relationship(enum.StrEnum):
    PICKUP_RESTRICTED = "pickup_restricted"


class Whereabouts(enum.StrEnum):
    ATTENDANCE = "attendance"  # today's status, stamps, live attendance events
    NOTICES_BY_OTHERS = "notices_by_others"  # absence / late / early pick-up notices


RELATIONSHIP_WITHHOLDS: Final[Mapping[Relationship, frozenset[Whereabouts]]] = {
    Relationship.PICKUP_RESTRICTED: frozenset(
        {Whereabouts.ATTENDANCE, Whereabouts.NOTICES_BY_OTHERS}
    ),
}


def withholds(relationship: Relationship, item: Whereabouts) -> bool:
    """Whether a guardian in ``relationship`` to a child is kept from ``item`` of that child."""
    return item in RELATIONSHIP_WITHHOLDS.get(relationship, frozenset())


# Actions beyond reading items: who may do what, as predicates.

_RECORD_EDITORS: Final = frozenset({Role.WARD_ADMIN, Role.DIRECTOR, Role.CLERK})


def can_edit_family_records(actor: Actor) -> bool:
    """Create or update children, guardians, household members, pick-up persons."""
    return actor.role in _RECORD_EDITORS


# Writes follow reads: writing an item class takes reading it plus being a record
# editor, so the matrix above decides writes too. The one exception: nurses keep
# the children's health records (健康状態, アレルギー …) without editing anything else.
_WRITES_WITHOUT_EDITING: Final[Mapping[Role, frozenset[ItemClass]]] = {
    Role.NURSE: frozenset({ItemClass.CHILD_SPECIAL_CARE}),
}


def can_write(actor: Actor, item_class: ItemClass) -> bool:
    """Set, change or clear an item of ``item_class`` on an in-scope record."""
    if item_class in _WRITES_WITHOUT_EDITING.get(actor.role, frozenset()):
        return True
    return can_edit_family_records(actor) and can_read(actor, item_class)


def unwritable(actor: Actor, item_classes: Iterable[ItemClass]) -> list[ItemClass]:
    """The classes among ``item_classes`` that ``actor`` may not write, in a stable order."""
    return sorted({c for c in item_classes if not can_write(actor, c)}, key=_COLUMNS.index)


def can_read_audit_log(actor: Actor) -> bool:
    return actor.role in (Role.WARD_ADMIN, Role.DIRECTOR)


def can_use_introspection_in_production(actor: Actor | None) -> bool:
    return actor is not None and actor.role is Role.WARD_ADMIN


def render_matrix() -> str:
    """The matrix as a stable text table, for the committed snapshot."""
    header = "role".ljust(12) + " ".join(c.value for c in _COLUMNS)
    lines = [header]
    for role, row in ACCESS_MATRIX.items():
        cells = " ".join(row[c].value.ljust(len(c.value)) for c in _COLUMNS)
        lines.append(role.value.ljust(12) + cells.rstrip())
    lines += ["", "relationship".ljust(20) + "withholds"]
    for relationship, items in RELATIONSHIP_WITHHOLDS.items():
        withheld = " ".join(sorted(item.value for item in items))
        lines.append(relationship.value.ljust(20) + withheld)
    return "\n".join(lines) + "\n"
