"""GraphQL views of children and families: allow-lists over rows, guarded per field."""

from __future__ import annotations

import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain.policy import ItemClass
from persistence.crypto import open_sealed
from resolvers.attendance import fields as attendance_fields
from resolvers.records import fields as r
from schema.attendance.enums import AttendanceStatus
from schema.enums import CertifiedHours, Sex
from schema.guard import sensitive, staff_only

if TYPE_CHECKING:
    from schema.attendance.types import AttendanceStamp
    from schema.records.org import Classroom

C = ItemClass
_guardian_id = attrgetter("guardian.id")


def _child_reached_through(link: Any) -> Any:
    return link.link.child_id if link.link is not None else None


@strawberry.type(description="A food allergy, as the physician's instruction sheet states it.")
class Allergy:
    allergen: str = strawberry.field(description="The allergen, e.g. 卵 or 小麦.")
    severity: str | None = strawberry.field(
        description="complete_removal or partial (by guideline, removal is all or nothing)."
    )
    note: str | None = strawberry.field(description="Free-text instruction.")


def _allergies(row: Any) -> list[Allergy]:
    return [
        Allergy(allergen=a["allergen"], severity=a.get("severity"), note=a.get("note"))
        for a in open_sealed(row.allergies) or ()
    ]


@strawberry.type(description="A guardian's employer (勤務先).")
class Employment:
    employer_name: str | None = strawberry.field(description="Employer name.")
    address: str | None = strawberry.field(description="Employer address.")
    phone: str | None = strawberry.field(description="Employer phone number.")


def _employment(link: Any) -> Employment | None:
    g = link.guardian
    if not (g.employer_name or g.employer_address or g.employer_phone):
        return None
    return Employment(
        employer_name=g.employer_name, address=g.employer_address, phone=g.employer_phone
    )


@strawberry.type(description="A child enrolled at a facility.")
class Child:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    display_name: str | None = sensitive(
        C.CHILD_DISPLAY, r.display_name, entity="child", description="Family and given name."
    )
    family_name: str | None = sensitive(
        C.CHILD_IDENTITY, "family_name", entity="child", description="Family name (姓)."
    )
    given_name: str | None = sensitive(
        C.CHILD_IDENTITY, "given_name", entity="child", description="Given name (名)."
    )
    family_name_kana: str | None = sensitive(
        C.CHILD_IDENTITY,
        "family_name_kana",
        entity="child",
        description="Kana reading of the family name.",
    )
    given_name_kana: str | None = sensitive(
        C.CHILD_IDENTITY,
        "given_name_kana",
        entity="child",
        description="Kana reading of the given name.",
    )
    sex: Sex | None = sensitive(C.CHILD_IDENTITY, "sex", entity="child", description="Sex.")
    date_of_birth: datetime.date | None = sensitive(
        C.CHILD_IDENTITY, "date_of_birth", entity="child", description="Date of birth."
    )
    nationality: str | None = sensitive(
        C.CHILD_IDENTITY, "nationality", entity="child", description="Nationality."
    )
    certified_hours: CertifiedHours | None = sensitive(
        C.CHILD_IDENTITY,
        "certified_hours",
        entity="child",
        description="Certified care hours: standard (11 h) or short (8 h).",
    )
    classroom: Annotated[Classroom, strawberry.lazy("schema.records.org")] | None = sensitive(
        C.CHILD_DISPLAY,
        resolver=r.classroom_of_child,
        entity="child",
        description="Current classroom.",
    )
    health_status: str | None = sensitive(
        C.CHILD_SPECIAL_CARE,
        "health_status",
        entity="child",
        description="Health status (健康状態).",
    )
    growth_status: str | None = sensitive(
        C.CHILD_SPECIAL_CARE,
        "growth_status",
        entity="child",
        description="Growth status (発育状況).",
    )
    care_notes: str | None = sensitive(
        C.CHILD_SPECIAL_CARE,
        "care_notes",
        entity="child",
        description="Childcare status notes (保育状況).",
    )
    family_doctor: str | None = sensitive(
        C.CHILD_SPECIAL_CARE,
        "family_doctor",
        entity="child",
        description="Family doctor (かかりつけ医療機関).",
    )
    allergies: list[Allergy] | None = sensitive(
        C.CHILD_SPECIAL_CARE, _allergies, entity="child", description="Allergies; empty when none."
    )
    guardians: list[Guardian] = strawberry.field(
        resolver=r.guardians_of_child, description="The child's guardians, primary contact first."
    )
    household_members: list[HouseholdMember] | None = sensitive(
        C.HOUSEHOLD,
        resolver=r.household_of_child,
        entity="child",
        description="People living with the child (同居家族).",
    )
    pickup_persons: list[PickupPerson] | None = sensitive(
        C.PICKUP_PERSON,
        resolver=r.pickup_persons_of_child,
        entity="child",
        description="Authorised pick-up persons other than guardians.",
    )
    today_status: AttendanceStatus | None = sensitive(
        C.CHILD_DISPLAY,
        resolver=attendance_fields.today_status,
        entity="child",
        description="Today's attendance status (the entrance tablet shows it too).",
    )
    stamp_history: (
        list[Annotated[AttendanceStamp, strawberry.lazy("schema.attendance.types")]] | None
    ) = staff_only(
        attendance_fields.stamp_history,
        description="Staff only: every stamp of a day, corrected ones included, in the "
        "order recorded.",
    )


def _guardian(item_class: ItemClass, attr: Any, description: str, *, own: bool = False) -> Any:
    """A guarded guardian field; ``own``: a guardian reads it on their own record only."""
    is_own = r.is_own_guardian_record if own else None
    return sensitive(
        item_class, attr, entity="guardian", record_id=_guardian_id, is_own=is_own,
        via_child_id=_child_reached_through, description=description,
    )  # fmt: skip


def _link(item_class: ItemClass, name: str, description: str) -> Any:
    """A field of the guardianship: set when the guardian was reached from a child."""
    return _guardian(item_class, lambda g: getattr(g.link, name) if g.link else None, description)


@strawberry.type(
    description="A guardian (保護者); relationship fields are set when reached from a child."
)
class Guardian:
    id: strawberry.ID = strawberry.field(resolver=r.guardian_link_id, description="Opaque id.")
    family_name: str | None = _guardian(C.GUARDIAN_NAME, "guardian.family_name", "Family name.")
    given_name: str | None = _guardian(C.GUARDIAN_NAME, "guardian.given_name", "Given name.")
    family_name_kana: str | None = _guardian(
        C.GUARDIAN_NAME, "guardian.family_name_kana", "Kana reading of the family name."
    )
    given_name_kana: str | None = _guardian(
        C.GUARDIAN_NAME, "guardian.given_name_kana", "Kana reading of the given name."
    )
    relationship: str | None = _link(
        C.GUARDIAN_NAME, "relationship", "Relationship to the child (父, 母, 祖母 …)."
    )
    is_primary_contact: bool | None = _link(
        C.GUARDIAN_NAME, "is_primary_contact", "Whether the facility calls them first."
    )
    may_pick_up: bool | None = _link(
        C.GUARDIAN_NAME, "may_pick_up", "Whether they may pick the child up."
    )
    pickup_restricted: bool | None = _link(
        C.PICKUP_RESTRICTION,
        "pickup_restricted",
        "Staff only: pick-up by this person must be refused.",
    )
    pickup_restriction_reason: str | None = _link(
        C.PICKUP_RESTRICTION, "pickup_restriction_reason", "Staff only: why pick-up is restricted."
    )
    date_of_birth: datetime.date | None = _guardian(
        C.GUARDIAN_CONTACT, "guardian.date_of_birth", "Date of birth.", own=True
    )
    nationality: str | None = _guardian(
        C.GUARDIAN_CONTACT, "guardian.nationality", "Nationality.", own=True
    )
    home_phone: str | None = _guardian(
        C.GUARDIAN_CONTACT, "guardian.home_phone", "Home phone.", own=True
    )
    mobile_phone: str | None = _guardian(
        C.GUARDIAN_CONTACT, "guardian.mobile_phone", "Mobile phone.", own=True
    )
    fax: str | None = _guardian(C.GUARDIAN_CONTACT, "guardian.fax", "Fax.", own=True)
    address: str | None = _guardian(
        C.GUARDIAN_EMPLOYMENT, "guardian.address", "Home address.", own=True
    )
    employment: Employment | None = _guardian(
        C.GUARDIAN_EMPLOYMENT, _employment, "Employer (勤務先).", own=True
    )
    family_situation: str | None = _guardian(
        C.GUARDIAN_SPECIAL_CARE,
        "guardian.family_situation",
        "Family situation (家庭状況).",
        own=True,
    )
    illness: str | None = _guardian(
        C.GUARDIAN_SPECIAL_CARE, "guardian.illness", "Illness (疾病).", own=True
    )
    disability: str | None = _guardian(
        C.GUARDIAN_SPECIAL_CARE, "guardian.disability", "Disability (障害).", own=True
    )
    residence_situation: str | None = _guardian(
        C.GUARDIAN_SPECIAL_CARE,
        "guardian.residence_situation",
        "Residence situation (居住状況).",
        own=True,
    )
    children: list[Child] = strawberry.field(
        resolver=r.children_of_guardian,
        description="Children of this guardian the viewer may reach.",
    )


@strawberry.type(
    description="A household member (同居家族); visible only with special-care access."
)
class HouseholdMember:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    name: str = strawberry.field(description="Full name.")
    relationship: str = strawberry.field(description="Relationship to the child.")
    sex: str | None = strawberry.field(description="Sex.")
    date_of_birth: datetime.date | None = strawberry.field(description="Date of birth.")


@strawberry.type(description="An authorised pick-up person who is not a guardian.")
class PickupPerson:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    name: str = strawberry.field(description="Full name.")
    name_kana: str = strawberry.field(description="Kana reading.")
    relationship: str = strawberry.field(description="Relationship to the child.")
    phone: str | None = strawberry.field(description="Phone number.")
