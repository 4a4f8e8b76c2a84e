"""The demo ward's organisation: the ward, facilities, classes and sign-in accounts.

Login ids follow PRODUCT.md "Demo data": ``ward.admin``, ``ward.reporter``, and per
facility ``f01.director``, ``f01.nurse``, ``f01.clerk``, ``f01.teacher0``…``5``
(the teacher of that age's class), ``f01.kiosk`` and ``f01.guardian1``….
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from persistence.demo import name_data
from persistence.demo.names import FEMALE, MALE, DemoIdentities, classroom_name, facility_names
from persistence.demo.rows import DemoRows, Row, demo_id

CLASS_AGES = range(6)
FEMALE_STAFF_RATE = 0.85  # most nursery staff in Japan are women


@dataclass(frozen=True)
class DemoFacility:
    id: uuid.UUID
    code: str  # F01…
    name: str
    classrooms: dict[int, uuid.UUID]  # class age -> classroom id

    @property
    def login_prefix(self) -> str:
        return self.code.lower()


def add_ward(rows: DemoRows, password_hash: str) -> uuid.UUID:
    ward_id = demo_id("ward", 1)
    rows.wards.append({"id": ward_id, "name": name_data.WARD})
    for login_id, role, display in (
        ("ward.admin", "ward_admin", f"{name_data.WARD} 保育課 管理者"),
        ("ward.reporter", "reporter", f"{name_data.WARD} 保育課 統計担当"),
    ):
        rows.accounts.append(_account(login_id, role, display, password_hash, None, None))
    return ward_id


def add_facility(rows: DemoRows, ward_id: uuid.UUID, number: int, fiscal_year: int) -> DemoFacility:
    """Facility F{number:02d} with one class per age 0–5 for ``fiscal_year``."""
    code = f"F{number:02d}"
    name, kana = facility_names()[number - 1]
    facility_id = demo_id("facility", code)
    rows.facilities.append(
        {"id": facility_id, "ward_id": ward_id, "code": code, "name": name, "name_kana": kana}
    )
    classrooms = {}
    for age in CLASS_AGES:
        classroom_id = demo_id("classroom", f"{code}:{fiscal_year}:{age}")
        room_name, room_kana = classroom_name(age)
        rows.classrooms.append(
            {
                "id": classroom_id,
                "facility_id": facility_id,
                "fiscal_year": fiscal_year,
                "name": room_name,
                "name_kana": room_kana,
                "age_min": age,
                "age_max": age,
            }
        )
        classrooms[age] = classroom_id
    return DemoFacility(facility_id, code, name, classrooms)


def add_staff_accounts(
    rows: DemoRows, identities: DemoIdentities, facility: DemoFacility, password_hash: str
) -> None:
    """Director, nurse, clerk, one teacher per class, and the entrance kiosk."""
    prefix = facility.login_prefix
    for role in ("director", "nurse", "clerk"):
        display = _staff_name(identities)
        rows.accounts.append(
            _account(f"{prefix}.{role}", role, display, password_hash, facility.id, None)
        )
    for age, classroom_id in facility.classrooms.items():
        account = _account(
            f"{prefix}.teacher{age}",
            "teacher",
            _staff_name(identities),
            password_hash,
            facility.id,
            None,
        )
        rows.accounts.append(account)
        rows.account_classrooms.append({"account_id": account["id"], "classroom_id": classroom_id})
    kiosk = f"{facility.name} 玄関端末"
    rows.accounts.append(
        _account(f"{prefix}.kiosk", "kiosk", kiosk, password_hash, facility.id, None)
    )


def add_guardian_accounts(
    rows: DemoRows, facility: DemoFacility, guardians: list[Row], password_hash: str
) -> None:
    """``fNN.guardian1``… for the facility's guardians, in the order they were created."""
    for number, guardian in enumerate(guardians, start=1):
        display = f"{guardian['family_name']} {guardian['given_name']}"
        login_id = f"{facility.login_prefix}.guardian{number}"
        rows.accounts.append(
            _account(login_id, "guardian", display, password_hash, None, guardian["id"])
        )


def _staff_name(identities: DemoIdentities) -> str:
    sex = FEMALE if identities.rng.random() < FEMALE_STAFF_RATE else MALE
    return identities.adult_name(identities.family(), sex).full


def _account(
    login_id: str,
    role: str,
    display_name: str,
    password_hash: str,
    facility_id: uuid.UUID | None,
    guardian_id: uuid.UUID | None,
) -> Row:
    return {
        "id": demo_id("account", login_id),
        "login_id": login_id,
        "password_hash": password_hash,
        "role": role,
        "display_name": display_name,
        "facility_id": facility_id,
        "guardian_id": guardian_id,
        "disabled": False,
        "token_generation": 0,
    }
