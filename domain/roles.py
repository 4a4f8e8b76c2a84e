"""Who a signed-in principal is, independent of any framework."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    WARD_ADMIN = "ward_admin"
    DIRECTOR = "director"
    NURSE = "nurse"
    CLERK = "clerk"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    KIOSK = "kiosk"
    REPORTER = "reporter"


FACILITY_STAFF = frozenset({Role.DIRECTOR, Role.NURSE, Role.CLERK, Role.TEACHER})
STAFF = FACILITY_STAFF | {Role.WARD_ADMIN}


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated principal of one request, as the policy needs it.

    ``facility_id`` is set for facility-bound roles (staff and kiosk);
    ``classroom_ids`` for teachers; ``guardian_id`` for guardians.
    """

    account_id: uuid.UUID
    role: Role
    facility_id: uuid.UUID | None = None
    classroom_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    guardian_id: uuid.UUID | None = None
    client: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF
