"""One demo family at a time: guardians, their children, and the people around them.

Every draw goes through the shared :class:`DemoIdentities`, in a fixed order, so
the same seed builds the same families. Rates are per family unless noted; the
special-care items are deliberately sparse, as in a real roster.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from persistence.demo import family_data as care
from persistence.demo import name_data
from persistence.demo.names import FEMALE, JAPAN, MALE, DemoIdentities, FamilyName, PersonName
from persistence.demo.rows import DemoRows, Row, demo_id

SINGLE_PARENT_RATE = 0.04
SINGLE_FATHER_SHARE = 0.15  # of single-parent families
FOREIGN_SPOUSE_RATE = 0.03  # Japanese families where the mother is a foreign national
MOTHER_PRIMARY_RATE = 0.75  # two-parent families whose primary contact is the mother
PICKUP_RESTRICTION_RATE = 0.006
HOME_PHONE_RATE = 0.35
FAX_RATE = 0.02
EMPLOYED_RATE = {MALE: 0.98, FEMALE: 0.92}
SHORT_HOURS_RATE = 0.12  # 保育短時間 certification
FAMILY_DOCTOR_RATE = 0.7
GROWTH_NOTE_RATE = 0.04
CARE_NOTE_RATE = 0.08
FAMILY_SITUATION_RATE = 0.03
ILLNESS_RATE = 0.015
DISABILITY_RATE = 0.006
RESIDENCE_RATE = 0.02
FOREIGN_RESIDENCE_RATE = 0.5
HOUSEHOLD_RATE = 0.18  # families with a grandparent or a school-age sibling at home
PICKUP_PERSON_RATE = 0.3  # Japanese families with a grandparent allowed to pick up
YOUNGEST_ENROLMENT_DAYS = 57  # 産休明け保育: the youngest a child is admitted


@dataclass(frozen=True)
class Parent:
    id: uuid.UUID
    relationship: str  # 父 | 母


class FamilyFactory:
    """Appends each family's rows to ``rows``; ids count up across the whole ward."""

    def __init__(self, identities: DemoIdentities, rows: DemoRows, fiscal_year: int) -> None:
        self.ids = identities
        self.rng = identities.rng
        self.rows = rows
        self.fiscal_year = fiscal_year
        self._latest_birth = date(fiscal_year, 4, 1) - timedelta(days=YOUNGEST_ENROLMENT_DAYS)
        self._foreign = [n for n, _ in name_data.NATIONALITY_WEIGHTS if n != JAPAN]

    def build(
        self, facility_id: uuid.UUID, classrooms: dict[int, uuid.UUID], ages: Sequence[int]
    ) -> list[uuid.UUID]:
        """One family whose children are in the classes of ``ages``; its guardian ids."""
        family = self.ids.family(self.ids.nationality())
        parents = self._parents(family)
        children: list[tuple[uuid.UUID, PersonName]] = []
        for age in ages:
            siblings = [name for _, name in children]
            children.append(self._child(family, facility_id, classrooms[age], age, siblings))
        child_ids = [child_id for child_id, _ in children]
        self._guardianships(parents, child_ids)
        if self.rng.random() < HOUSEHOLD_RATE:
            self._household(family, child_ids, [name for _, name in children])
        if family.nationality == JAPAN and self.rng.random() < PICKUP_PERSON_RATE:
            self._pickup_persons(family, child_ids)
        return [parent.id for parent in parents]

    # Guardians ----------------------------------------------------------------

    def _parents(self, family: FamilyName) -> list[Parent]:
        address = self.ids.address()
        home_phone = self.ids.home_phone() if self.rng.random() < HOME_PHONE_RATE else None
        if self.rng.random() < SINGLE_PARENT_RATE:
            sex = MALE if self.rng.random() < SINGLE_FATHER_SHARE else FEMALE
            single = care.SINGLE_FATHER if sex == MALE else care.SINGLE_MOTHER
            return [self._guardian(family, sex, family.nationality, address, home_phone, single)]
        mother_nationality = family.nationality
        if family.nationality == JAPAN and self.rng.random() < FOREIGN_SPOUSE_RATE:
            mother_nationality = self.rng.choice(self._foreign)
        situation = self._maybe(FAMILY_SITUATION_RATE, care.FAMILY_SITUATIONS)
        return [
            self._guardian(family, MALE, family.nationality, address, home_phone, None),
            self._guardian(family, FEMALE, mother_nationality, address, home_phone, situation),
        ]

    def _guardian(
        self,
        family: FamilyName,
        sex: str,
        nationality: str,
        address: str,
        home_phone: str | None,
        family_situation: str | None,
    ) -> Parent:
        guardian_id = demo_id("guardian", len(self.rows.guardians) + 1)
        name = self.ids.adult_name(family, sex, nationality=nationality)
        employer = self.ids.employer() if self.rng.random() < EMPLOYED_RATE[sex] else None
        self.rows.guardians.append(
            {
                "id": guardian_id,
                **_name_columns(name),
                "date_of_birth": self.ids.adult_date_of_birth(),
                "nationality": nationality,
                "address": address,
                "home_phone": home_phone,
                "mobile_phone": self.ids.mobile_phone(),
                "fax": self.ids.home_phone() if self.rng.random() < FAX_RATE else None,
                "employer_name": employer.name if employer else None,
                "employer_address": employer.address if employer else None,
                "employer_phone": employer.phone if employer else None,
                "family_situation": family_situation,
                "illness": self._maybe(ILLNESS_RATE, care.ILLNESSES),
                "disability": self._maybe(DISABILITY_RATE, care.DISABILITIES),
                "residence_situation": self._residence(nationality),
            }
        )
        return Parent(guardian_id, "父" if sex == MALE else "母")

    def _residence(self, nationality: str) -> str | None:
        if nationality != JAPAN:
            return self._maybe(FOREIGN_RESIDENCE_RATE, care.FOREIGN_RESIDENCE_SITUATIONS)
        return self._maybe(RESIDENCE_RATE, care.RESIDENCE_SITUATIONS)

    def _guardianships(self, parents: list[Parent], child_ids: list[uuid.UUID]) -> None:
        primary, restricted, reason = parents[0], None, None
        if len(parents) == 2:
            mother_first = self.rng.random() < MOTHER_PRIMARY_RATE
            primary = parents[1] if mother_first else parents[0]
            if self.rng.random() < PICKUP_RESTRICTION_RATE:
                # The separated father may not collect; the mother is the contact.
                primary, restricted = parents[1], parents[0]
                reason = self.rng.choice(care.PICKUP_RESTRICTIONS)
        for child_id in child_ids:
            for parent in parents:
                self.rows.guardianships.append(
                    {
                        "child_id": child_id,
                        "guardian_id": parent.id,
                        "relationship": parent.relationship,
                        "is_primary_contact": parent is primary,
                        "may_pick_up": parent is not restricted,
                        "pickup_restricted": parent is restricted,
                        "pickup_restriction_reason": reason if parent is restricted else None,
                    }
                )

    # Children -------------------------------------------------------------------

    def _child(
        self,
        family: FamilyName,
        facility_id: uuid.UUID,
        classroom_id: uuid.UUID,
        age: int,
        siblings: Sequence[PersonName],
    ) -> tuple[uuid.UUID, PersonName]:
        number = len(self.rows.children) + 1
        child_id = demo_id("child", number)
        sex = self.ids.sex()
        name = self.ids.child_name(family, sex, siblings=siblings)
        short = self.rng.random() < SHORT_HOURS_RATE
        allergies = self.ids.allergies()
        self.rows.children.append(
            {
                "id": child_id,
                "facility_id": facility_id,
                "classroom_id": classroom_id,
                **_name_columns(name),
                "sex": sex,
                "date_of_birth": self.ids.date_of_birth_for_age(
                    age, self.fiscal_year, latest=self._latest_birth
                ),
                "nationality": family.nationality,
                "certified_hours": "short" if short else "standard",
                "health_status": self.ids.health_status(),
                "growth_status": self._maybe(GROWTH_NOTE_RATE, care.GROWTH_NOTES),
                "care_notes": self._maybe(CARE_NOTE_RATE, care.CARE_NOTES),
                "family_doctor": (
                    self.ids.family_doctor() if self.rng.random() < FAMILY_DOCTOR_RATE else None
                ),
                "allergies": allergies or None,
            }
        )
        self.rows.enrolments.append(
            {
                "id": demo_id("enrolment", number),
                "child_id": child_id,
                "classroom_id": classroom_id,
                "fiscal_year": self.fiscal_year,
                "start_date": date(self.fiscal_year, 4, 1),
                "end_date": None,
            }
        )
        return child_id, name

    # People around the children -------------------------------------------------

    def _household(
        self, family: FamilyName, child_ids: list[uuid.UUID], children: list[PersonName]
    ) -> None:
        """Grandparents living with the family (三世代同居), or an older sibling at school."""
        if family.nationality == JAPAN and self.rng.random() < 0.5:
            members = [self._grandparent(family, FEMALE)]
            if self.rng.random() < 0.6:
                members.append(self._grandparent(family, MALE))
        else:
            sex = self.ids.sex()
            name = self.ids.child_name(family, sex, siblings=children)
            born = date(self.fiscal_year - self.rng.randint(7, 12), self.rng.randint(1, 12), 15)
            members = [(name, "兄" if sex == MALE else "姉", sex, born)]
        for child_id in child_ids:
            for name, relationship, sex, born in members:
                self.rows.household_members.append(
                    {
                        "id": demo_id("household_member", len(self.rows.household_members) + 1),
                        "child_id": child_id,
                        "details": {
                            "name": name.full,
                            "relationship": relationship,
                            "sex": sex,
                            "date_of_birth": born.isoformat(),
                        },
                    }
                )

    def _grandparent(self, family: FamilyName, sex: str) -> tuple[PersonName, str, str, date]:
        pool = care.GRANDMOTHER_NAMES if sex == FEMALE else care.GRANDFATHER_NAMES
        given, kana = self.rng.choice(pool)
        name = PersonName(family.name, given, family.kana, kana)
        born = self.ids.adult_date_of_birth(1945, 1965)
        return name, "祖母" if sex == FEMALE else "祖父", sex, born

    def _pickup_persons(self, family: FamilyName, child_ids: list[uuid.UUID]) -> None:
        """A grandmother (and sometimes a grandfather), the father's or the mother's parents."""
        side = family if self.rng.random() < 0.5 else self.ids.family()
        people = [self._grandparent(side, FEMALE)]
        if self.rng.random() < 0.4:
            people.append(self._grandparent(side, MALE))
        for name, relationship, _, _ in people:
            phone = self.ids.mobile_phone() if self.rng.random() < 0.6 else self.ids.home_phone()
            for child_id in child_ids:
                self.rows.pickup_persons.append(
                    {
                        "id": demo_id("pickup_person", len(self.rows.pickup_persons) + 1),
                        "child_id": child_id,
                        "name": name.full,
                        "name_kana": name.full_kana,
                        "relationship": relationship,
                        "phone": phone,
                        "pin_hash": None,
                    }
                )

    def _maybe(self, rate: float, texts: Sequence[str]) -> str | None:
        return self.rng.choice(texts) if self.rng.random() < rate else None


def _name_columns(name: PersonName) -> Row:
    return {
        "family_name": name.family,
        "given_name": name.given,
        "family_name_kana": name.family_kana,
        "given_name_kana": name.given_kana,
    }
