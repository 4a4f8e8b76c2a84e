"""The demo ward as plain rows, one list of column dicts per table, in insert order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from persistence.models import (
    AccountClassroomRow,
    AccountRow,
    Base,
    ChildRow,
    ClassroomRow,
    EnrolmentRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
    HouseholdMemberRow,
    PickupPersonRow,
    WardRow,
)

# Demo ids are uuid5 names under this namespace: the same every run (so the demo
# is reproducible and a bug report can name a record), yet opaque, like uuid4.
DEMO_NAMESPACE = uuid.UUID("6f1c2a8e-2f4b-5d0e-9a57-0b3d6c1e4f20")

Row = dict[str, Any]


def demo_id(kind: str, key: object) -> uuid.UUID:
    """The id of the ``key``-th demo record of ``kind``, e.g. ``demo_id("child", 17)``."""
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


@dataclass
class DemoRows:
    """Every demo record; field order is foreign-key order, so insert top to bottom."""

    wards: list[Row] = field(default_factory=list)
    facilities: list[Row] = field(default_factory=list)
    classrooms: list[Row] = field(default_factory=list)
    guardians: list[Row] = field(default_factory=list)
    children: list[Row] = field(default_factory=list)
    enrolments: list[Row] = field(default_factory=list)
    guardianships: list[Row] = field(default_factory=list)
    household_members: list[Row] = field(default_factory=list)
    pickup_persons: list[Row] = field(default_factory=list)
    accounts: list[Row] = field(default_factory=list)
    account_classrooms: list[Row] = field(default_factory=list)

    def tables(self) -> list[tuple[str, type[Base], list[Row]]]:
        """(name, model, rows) for each table, in insert order."""
        return [(f.name, MODELS[f.name], getattr(self, f.name)) for f in fields(self)]


MODELS: dict[str, type[Base]] = {
    "wards": WardRow,
    "facilities": FacilityRow,
    "classrooms": ClassroomRow,
    "guardians": GuardianRow,
    "children": ChildRow,
    "enrolments": EnrolmentRow,
    "guardianships": GuardianshipRow,
    "household_members": HouseholdMemberRow,
    "pickup_persons": PickupPersonRow,
    "accounts": AccountRow,
    "account_classrooms": AccountClassroomRow,
}
