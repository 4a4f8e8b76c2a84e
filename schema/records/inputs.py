"""Inputs for staff writes to family records.

Create inputs take plain optional fields: null or absent leaves the item unset.
Update inputs take ``Maybe`` fields: an absent field keeps its value, null clears
an optional item. Every update field accepts null in the SDL so that nulling a
required item (a name, kana, the date of birth) answers BAD_USER_INPUT naming
the field, rather than a coercion error that names nothing.
Limits are stated in each description; a value outside them answers
BAD_USER_INPUT with ``extensions.field`` naming the field.
"""

from __future__ import annotations

import datetime

import strawberry
from strawberry import Maybe

from domain.validation import AllergySeverity as DomainAllergySeverity
from schema.enums import CertifiedHours, Sex

AllergySeverity = strawberry.enum(
    DomainAllergySeverity,
    name="AllergySeverity",
    description="How an allergen is handled: complete removal (完全除去) or partial.",
)

_NAME = "at most 100 characters"
_KANA = "katakana or hiragana only, at most 100 characters"
_NOTE = "at most 2000 characters"
_PHONE = "a Japanese phone number (hyphens optional) or E.164"


@strawberry.input(description="One food allergy, as the physician's instruction sheet states it.")
class AllergyInput:
    allergen: str = strawberry.field(description=f"The allergen, e.g. 卵; {_NAME}.")
    severity: AllergySeverity = strawberry.field(  # type: ignore[valid-type]
        description="How it is handled."
    )
    note: str | None = strawberry.field(
        default=None, description="Instruction, at most 200 characters."
    )


@strawberry.input(description="A new child, placed in one of the writer's classrooms.")
class CreateChildInput:
    classroom_id: strawberry.ID = strawberry.field(
        description="The classroom; a director may use only their own facility's."
    )
    family_name: str = strawberry.field(description=f"Family name (姓), {_NAME}.")
    given_name: str = strawberry.field(description=f"Given name (名), {_NAME}.")
    family_name_kana: str = strawberry.field(description=f"Family name reading, {_KANA}.")
    given_name_kana: str = strawberry.field(description=f"Given name reading, {_KANA}.")
    sex: Sex = strawberry.field(description="Sex.")
    date_of_birth: datetime.date = strawberry.field(
        description="Not in the future, and of nursery age (at most 7 years ago)."
    )
    nationality: str | None = strawberry.field(default=None, description=f"Nationality, {_NAME}.")
    certified_hours: CertifiedHours = strawberry.field(
        default=CertifiedHours.STANDARD, description="Certified care hours; standard by default."
    )
    health_status: str | None = strawberry.field(
        default=None, description=f"Special care: health status, {_NOTE}."
    )
    growth_status: str | None = strawberry.field(
        default=None, description=f"Special care: growth status, {_NOTE}."
    )
    care_notes: str | None = strawberry.field(
        default=None, description=f"Special care: childcare status notes, {_NOTE}."
    )
    family_doctor: str | None = strawberry.field(
        default=None, description="Special care: family doctor, at most 200 characters."
    )
    allergies: list[AllergyInput] | None = strawberry.field(
        default=None, description="Special care: allergies, at most 30, one per allergen."
    )


@strawberry.input(
    description="Changes to a child: absent fields stay, null clears an optional item; "
    "null on a required item (names, kana, sex, date of birth, classroom) is BAD_USER_INPUT."
)
class UpdateChildInput:
    id: strawberry.ID = strawberry.field(description="The child.")
    classroom_id: Maybe[strawberry.ID | None] = strawberry.field(
        description="Move to another classroom the writer may place children in."
    )
    family_name: Maybe[str | None] = strawberry.field(description=f"Family name, {_NAME}.")
    given_name: Maybe[str | None] = strawberry.field(description=f"Given name, {_NAME}.")
    family_name_kana: Maybe[str | None] = strawberry.field(
        description=f"Family name reading, {_KANA}."
    )
    given_name_kana: Maybe[str | None] = strawberry.field(
        description=f"Given name reading, {_KANA}."
    )
    sex: Maybe[Sex | None] = strawberry.field(description="Sex.")
    date_of_birth: Maybe[datetime.date | None] = strawberry.field(
        description="Not in the future, and of nursery age."
    )
    nationality: Maybe[str | None] = strawberry.field(description=f"Nationality, {_NAME}.")
    certified_hours: Maybe[CertifiedHours | None] = strawberry.field(
        description="Certified care hours."
    )
    health_status: Maybe[str | None] = strawberry.field(
        description=f"Special care: health status, {_NOTE}."
    )
    growth_status: Maybe[str | None] = strawberry.field(
        description=f"Special care: growth status, {_NOTE}."
    )
    care_notes: Maybe[str | None] = strawberry.field(
        description=f"Special care: childcare status notes, {_NOTE}."
    )
    family_doctor: Maybe[str | None] = strawberry.field(
        description="Special care: family doctor, at most 200 characters."
    )
    allergies: Maybe[list[AllergyInput] | None] = strawberry.field(
        description="Special care: the whole allergy list (replaces it); null or [] clears."
    )


@strawberry.input(description="A new guardian of a child the writer reaches, linked to it.")
class CreateGuardianInput:
    child_id: strawberry.ID = strawberry.field(description="The child they are a guardian of.")
    relationship: str = strawberry.field(description="To the child (父, 母 …), at most 50.")
    is_primary_contact: bool = strawberry.field(
        default=False, description="Call them first; the child's other guardians step back."
    )
    may_pick_up: bool = strawberry.field(default=True, description="Whether they may pick up.")
    family_name: str = strawberry.field(description=f"Family name, {_NAME}.")
    given_name: str = strawberry.field(description=f"Given name, {_NAME}.")
    family_name_kana: str = strawberry.field(description=f"Family name reading, {_KANA}.")
    given_name_kana: str = strawberry.field(description=f"Given name reading, {_KANA}.")
    date_of_birth: datetime.date | None = strawberry.field(
        default=None, description="An adult's plausible date of birth."
    )
    nationality: str | None = strawberry.field(default=None, description=f"Nationality, {_NAME}.")
    address: str | None = strawberry.field(default=None, description="Address, at most 300.")
    home_phone: str | None = strawberry.field(default=None, description=f"Home phone, {_PHONE}.")
    mobile_phone: str | None = strawberry.field(default=None, description=f"Mobile, {_PHONE}.")
    fax: str | None = strawberry.field(default=None, description=f"Fax, {_PHONE}.")
    employer_name: str | None = strawberry.field(
        default=None, description="Employer name, at most 200."
    )
    employer_address: str | None = strawberry.field(
        default=None, description="Employer address, at most 300."
    )
    employer_phone: str | None = strawberry.field(
        default=None, description=f"Employer phone, {_PHONE}."
    )
    family_situation: str | None = strawberry.field(
        default=None, description=f"Special care: family situation, {_NOTE}."
    )
    illness: str | None = strawberry.field(default=None, description=f"Special care: {_NOTE}.")
    disability: str | None = strawberry.field(default=None, description=f"Special care: {_NOTE}.")
    residence_situation: str | None = strawberry.field(
        default=None, description=f"Special care: residence situation, {_NOTE}."
    )


@strawberry.input(
    description="Changes to a guardian: absent fields stay, null clears an optional item; "
    "null on a name or kana is BAD_USER_INPUT."
)
class UpdateGuardianInput:
    id: strawberry.ID = strawberry.field(description="The guardian.")
    family_name: Maybe[str | None] = strawberry.field(description=f"Family name, {_NAME}.")
    given_name: Maybe[str | None] = strawberry.field(description=f"Given name, {_NAME}.")
    family_name_kana: Maybe[str | None] = strawberry.field(
        description=f"Family name reading, {_KANA}."
    )
    given_name_kana: Maybe[str | None] = strawberry.field(
        description=f"Given name reading, {_KANA}."
    )
    date_of_birth: Maybe[datetime.date | None] = strawberry.field(
        description="An adult's plausible date of birth."
    )
    nationality: Maybe[str | None] = strawberry.field(description=f"Nationality, {_NAME}.")
    address: Maybe[str | None] = strawberry.field(description="Address, at most 300.")
    home_phone: Maybe[str | None] = strawberry.field(description=f"Home phone, {_PHONE}.")
    mobile_phone: Maybe[str | None] = strawberry.field(description=f"Mobile, {_PHONE}.")
    fax: Maybe[str | None] = strawberry.field(description=f"Fax, {_PHONE}.")
    employer_name: Maybe[str | None] = strawberry.field(description="Employer, at most 200.")
    employer_address: Maybe[str | None] = strawberry.field(
        description="Employer address, at most 300."
    )
    employer_phone: Maybe[str | None] = strawberry.field(description=f"Employer phone, {_PHONE}.")
    family_situation: Maybe[str | None] = strawberry.field(
        description=f"Special care: family situation, {_NOTE}."
    )
    illness: Maybe[str | None] = strawberry.field(description=f"Special care: {_NOTE}.")
    disability: Maybe[str | None] = strawberry.field(description=f"Special care: {_NOTE}.")
    residence_situation: Maybe[str | None] = strawberry.field(
        description=f"Special care: residence situation, {_NOTE}."
    )


@strawberry.input(
    description="Link a guardian the writer reaches to a child, or change the link; "
    "absent fields stay as they are (a new link needs a relationship)."
)
class LinkGuardianInput:
    child_id: strawberry.ID = strawberry.field(description="The child.")
    guardian_id: strawberry.ID = strawberry.field(description="The guardian.")
    relationship: Maybe[str | None] = strawberry.field(
        description="To the child (父, 母 …), at most 50."
    )
    is_primary_contact: Maybe[bool | None] = strawberry.field(
        description="Call them first; the child's other guardians step back."
    )
    may_pick_up: Maybe[bool | None] = strawberry.field(description="Whether they may pick up.")
    pickup_restricted: Maybe[bool | None] = strawberry.field(
        description="Staff only: refuse pick-up by this person; needs a reason. "
        "Lifting it clears the reason."
    )
    pickup_restriction_reason: Maybe[str | None] = strawberry.field(
        description="Staff only: why pick-up is restricted, at most 500 characters."
    )


@strawberry.input(description="End a guardian's link to a child.")
class UnlinkGuardianInput:
    child_id: strawberry.ID = strawberry.field(description="The child.")
    guardian_id: strawberry.ID = strawberry.field(description="The guardian.")


@strawberry.input(description="A person living with the child (同居家族).")
class AddHouseholdMemberInput:
    child_id: strawberry.ID = strawberry.field(description="The child.")
    name: str = strawberry.field(description=f"Full name, {_NAME}.")
    relationship: str = strawberry.field(description="To the child (祖父, 兄 …), at most 50.")
    sex: Sex | None = strawberry.field(default=None, description="Sex.")
    date_of_birth: datetime.date | None = strawberry.field(
        default=None, description="Not in the future."
    )


@strawberry.input(description="An authorised pick-up person who is not a guardian.")
class AddPickupPersonInput:
    child_id: strawberry.ID = strawberry.field(description="The child.")
    name: str = strawberry.field(description=f"Full name, {_NAME}.")
    name_kana: str = strawberry.field(description=f"Reading, {_KANA}.")
    relationship: str = strawberry.field(description="To the child (祖母 …), at most 50.")
    phone: str | None = strawberry.field(default=None, description=f"Phone, {_PHONE}.")
