"""Deterministic Japanese demo identities: names with kana, addresses, phones, care data.

Pure data generation, no database. Every draw comes from one ``random.Random(seed)``
owned by a :class:`DemoIdentities`, never from the global generator and never from
``hash()``: the same seed and the same sequence of calls give the same output in
every process, whatever ``PYTHONHASHSEED`` is.

Class age follows the Japanese rule: a child's class for a 年度 is the age on 1 April
of that year, where by law (年齢計算ニ関スル法律) an age is reached at the end of the
day before the birthday. A child born on 1 April is therefore already a year older
on 1 April and joins the class above; one born on 2 April does not.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from persistence.demo import name_data as data

JAPAN = "日本"
MALE = "male"
FEMALE = "female"
SEXES: tuple[str, str] = (MALE, FEMALE)
COMPLETE_REMOVAL = "complete_removal"
OLDEST_CLASS_AGE = 5

ALLERGY_RATE = 0.06  # children with at least one food allergy
HEALTH_NOTE_RATE = 0.12  # children with a health note
APARTMENT_RATE = 0.45  # addresses in a named building
INSTITUTION_RATE = 0.15  # guardians working for a public body, hospital or school

_T = TypeVar("_T")


@dataclass(frozen=True)
class FamilyName:
    name: str
    kana: str
    nationality: str = JAPAN


@dataclass(frozen=True)
class PersonName:
    family: str
    given: str
    family_kana: str
    given_kana: str

    @property
    def full(self) -> str:
        return f"{self.family} {self.given}"

    @property
    def full_kana(self) -> str:
        return f"{self.family_kana} {self.given_kana}"


@dataclass(frozen=True)
class Employer:
    name: str
    address: str
    phone: str


def legal_age(date_of_birth: date, on: date) -> int:
    """Age in completed years during the day ``on``.

    An age is reached at the end of the day before the birthday (for 29 February,
    at the end of 28 February in common years), so it counts from the birthday.
    """
    age = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        age -= 1  # for 29 Feb in a common year this makes 1 March the first day
    return age


def class_age(date_of_birth: date, fiscal_year: int) -> int:
    """The class age for a 年度: the age on 1 April of ``fiscal_year``."""
    return legal_age(date_of_birth, date(fiscal_year, 4, 1))


def class_birth_window(age: int, fiscal_year: int) -> tuple[date, date]:
    """First and last date of birth of the children in the ``age`` class of a 年度:
    2 April of one year to 1 April of the next, both inclusive."""
    if not 0 <= age <= OLDEST_CLASS_AGE:
        raise ValueError(f"nursery class ages are 0..{OLDEST_CLASS_AGE}, not {age}")
    last = date(fiscal_year - age, 4, 1)
    return date(last.year - 1, 4, 2), last


def facility_names() -> list[tuple[str, str]]:
    """The 25 demo facilities F01…F25 in order, as (name, kana)."""
    return [(f"区立{stem}保育園", f"クリツ{kana}ホイクエン") for stem, kana in data.FACILITY_STEMS]


def classroom_name(age: int) -> tuple[str, str]:
    """The class name for an age 0…5, as (name, kana), e.g. ("ひよこ組", "ヒヨコグミ")."""
    if not 0 <= age <= OLDEST_CLASS_AGE:
        raise ValueError(f"nursery class ages are 0..{OLDEST_CLASS_AGE}, not {age}")
    return data.CLASSROOMS[age]


def _rank_weights(count: int, flatness: int) -> list[float]:
    """Weights that favour earlier (more common) entries; larger ``flatness`` is flatter."""
    return [1.0 / (rank + flatness) for rank in range(count)]


def _require_sex(sex: str) -> str:
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, not {sex!r}")
    return sex


class DemoIdentities:
    """A seeded source of demo identities. Not thread-safe; use one per seed run."""

    def __init__(self, seed: int = 2026) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._employers: dict[str, Employer] = {}
        self._family_weights = _rank_weights(len(data.FAMILY_NAMES), 10)

    @property
    def rng(self) -> random.Random:
        """The generator behind every draw, for the seed's own choices (sibling counts…)."""
        return self._rng

    def _pick(self, items: Sequence[_T], flatness: int | None = None) -> _T:
        if flatness is None:
            return self._rng.choice(items)
        return self._rng.choices(items, weights=_rank_weights(len(items), flatness))[0]

    # People ---------------------------------------------------------------

    def sex(self) -> str:
        return self._pick(SEXES)

    def nationality(self) -> str:
        names = [name for name, _ in data.NATIONALITY_WEIGHTS]
        weights = [weight for _, weight in data.NATIONALITY_WEIGHTS]
        return self._rng.choices(names, weights=weights)[0]

    def family(self, nationality: str = JAPAN) -> FamilyName:
        """A family name: from that community for 中国, ベトナム, フィリピン, ネパール and
        ブラジル, a Japanese one otherwise (the nationality is kept as given)."""
        foreign = data.FOREIGN_NAMES.get(nationality)
        if foreign is None:
            name, kana = self._rng.choices(data.FAMILY_NAMES, weights=self._family_weights)[0]
            return FamilyName(name, kana, nationality)
        name, kana = self._pick(foreign["family"])
        return FamilyName(name, kana, nationality)

    def child_name(
        self, family: FamilyName, sex: str, *, siblings: Sequence[PersonName] = ()
    ) -> PersonName:
        """A child's name in ``family``; never the given name or reading of a sibling."""
        foreign = data.FOREIGN_NAMES.get(family.nationality)
        if foreign is not None:
            pool = foreign["boy" if _require_sex(sex) == MALE else "girl"]
        else:
            pool = data.BOY_NAMES if _require_sex(sex) == MALE else data.GIRL_NAMES
        taken = {s.given for s in siblings} | {s.given_kana for s in siblings}
        candidates = [(g, k) for g, k in pool if g not in taken and k not in taken]
        if not candidates:
            raise ValueError("no given name left that differs from every sibling")
        given, kana = self._pick(candidates, flatness=30)
        return PersonName(family.name, given, family.kana, kana)

    def adult_name(
        self, family: FamilyName, sex: str, *, nationality: str | None = None
    ) -> PersonName:
        """A guardian's name (born 1980–1995) in ``family``; given names follow
        ``nationality`` (default: the family's), e.g. a foreign spouse's own name."""
        foreign = data.FOREIGN_NAMES.get(nationality or family.nationality)
        if foreign is not None:
            pool = foreign["man" if _require_sex(sex) == MALE else "woman"]
        else:
            pool = data.MAN_NAMES if _require_sex(sex) == MALE else data.WOMAN_NAMES
        given, kana = self._pick(pool, flatness=30)
        return PersonName(family.name, given, family.kana, kana)

    def date_of_birth_for_age(
        self, age: int, fiscal_year: int, *, latest: date | None = None
    ) -> date:
        """A date of birth that puts a child in the ``age`` class of ``fiscal_year``.

        ``latest`` caps it (say, 57 days before the child's first day, or today).
        """
        first, last = class_birth_window(age, fiscal_year)
        if latest is not None:
            last = min(last, latest)
        if last < first:
            raise ValueError(f"no birth date for age {age} in {fiscal_year} by {latest}")
        return first + timedelta(days=self._rng.randint(0, (last - first).days))

    def adult_date_of_birth(self, first_year: int = 1980, last_year: int = 1995) -> date:
        first, last = date(first_year, 1, 1), date(last_year, 12, 31)
        return first + timedelta(days=self._rng.randint(0, (last - first).days))

    # Contact --------------------------------------------------------------

    def address(self) -> str:
        """A home address in the fictional ward, e.g. 東京都架空区桜町2丁目3番4号 メゾン桜203."""
        town, _ = self._pick(data.TOWNS)
        street = self._block_number()
        if self._rng.random() >= APARTMENT_RATE:
            return f"{data.PREFECTURE}{data.WARD}{town}{street}"
        building = self._pick(data.BUILDINGS)
        room = f"{self._rng.randint(1, 6)}{self._rng.randint(1, 8):02d}"
        return f"{data.PREFECTURE}{data.WARD}{town}{street} {building}{room}"

    def _block_number(self) -> str:
        chome, ban, go = self._rng.randint(1, 5), self._rng.randint(1, 28), self._rng.randint(1, 20)
        return f"{chome}丁目{ban}番{go}号"

    def mobile_phone(self) -> str:
        """090/080/070-XXXX-XXXX."""
        prefix = self._rng.choices(("090", "080", "070"), weights=(5, 4, 1))[0]
        return f"{prefix}-{self._rng.randint(1000, 9999)}-{self._rng.randint(0, 9999):04d}"

    def home_phone(self) -> str:
        """A Tokyo landline, 03-XXXX-XXXX (subscriber numbers start 3, 5 or 6)."""
        lead = self._pick("356")
        return f"03-{lead}{self._rng.randint(0, 999):03d}-{self._rng.randint(0, 9999):04d}"

    def employer(self) -> Employer:
        """A fictional workplace; one name always comes with the same address and phone."""
        if self._rng.random() < INSTITUTION_RATE:
            name = self._pick(data.INSTITUTIONS)
        else:
            forms = [form for form, _ in data.EMPLOYER_FORMS]
            weights = [weight for _, weight in data.EMPLOYER_FORMS]
            form = self._rng.choices(forms, weights=weights)[0]
            trade = self._pick(data.EMPLOYER_TRADES)
            name = form.format(self._pick(data.EMPLOYER_WORDS) + trade)
        known = self._employers.get(name)
        if known is None:
            known = Employer(name, self._office_address(), self.home_phone())
            self._employers[name] = known
        return known

    def _office_address(self) -> str:
        ward, town = self._pick(data.OFFICE_WARDS), self._pick(data.OFFICE_TOWNS)
        address = f"{data.PREFECTURE}{ward}{town}{self._block_number()}"
        if self._rng.random() < 0.7:
            floor = self._rng.randint(2, 12)
            address += f" {self._pick(data.OFFICE_BUILDINGS)}{floor}階"
        return address

    # Care -----------------------------------------------------------------

    def allergies(self) -> list[dict[str, str]]:
        """Usually none; otherwise one or two food allergies, each removed completely."""
        if self._rng.random() >= ALLERGY_RATE:
            return []
        count = 2 if self._rng.random() < 0.2 else 1
        remaining = list(data.ALLERGENS)
        found: list[dict[str, str]] = []
        for _ in range(count):
            entry = self._rng.choices(remaining, weights=[w for _, w, _ in remaining])[0]
            remaining.remove(entry)
            allergen, _, notes = entry
            found.append(
                {"allergen": allergen, "severity": COMPLETE_REMOVAL, "note": self._pick(notes)}
            )
        return found

    def family_doctor(self) -> str:
        return self._pick(data.FAMILY_DOCTORS)

    def health_status(self) -> str | None:
        if self._rng.random() >= HEALTH_NOTE_RATE:
            return None
        return self._pick(data.HEALTH_NOTES)

    # Organisation (fixed lists, no randomness) ------------------------------

    def facility_names(self) -> list[tuple[str, str]]:
        return facility_names()

    def classroom_name(self, age: int) -> tuple[str, str]:
        return classroom_name(age)
