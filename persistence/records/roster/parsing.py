"""Turn one roster row's cells into validated child and guardian entries.

Every rule comes from :mod:`domain.validation`, with the CSV column as the field
name, so a message reads "児童カナ must be written in kana". All problems of a
row are collected, not just the first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from domain.errors import InvalidInput
from domain.validation import (
    adult_birth_date,
    child_birth_date,
    optional_phone,
    optional_text,
    require_kana,
    require_text,
)
from persistence.records.roster.csv_format import RosterCells
from persistence.records.roster.errors import RowError

T = TypeVar("T")

_WESTERN_DATE = re.compile(r"^(\d{4})[/.\-年](\d{1,2})[/.\-月](\d{1,2})日?$")
_ERA_DATE = re.compile(r"^(令和|平成|R|H)(\d{1,2})[/.\-年](\d{1,2})[/.\-月](\d{1,2})日?$")
_ERA_BASE = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}  # 令和1年 = 2019
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")  # Excel's "2021/4/5 0:00"
_AGE = re.compile(r"^([0-5])(歳|才)?児?$")
SEXES = {"男": "male", "男性": "male", "男児": "male", "M": "male", "MALE": "male"}
SEXES |= {"女": "female", "女性": "female", "女児": "female", "F": "female", "FEMALE": "female"}
HOURS = {"": "standard", "標準": "standard", "標準時間": "standard", "STANDARD": "standard"}
HOURS |= {"短時間": "short", "SHORT": "short"}
YES = {"○", "◯", "〇", "●", "✓", "1", "はい", "YES", "Y", "TRUE", "主"}
NO = {"", "×", "0", "いいえ", "NO", "N", "FALSE"}


@dataclass(frozen=True)
class PersonEntry:
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str


@dataclass(frozen=True)
class ChildEntry:
    name: PersonEntry
    sex: str
    date_of_birth: date
    nationality: str | None
    class_name: str | None
    class_age: int | None
    certified_hours: str

    @property
    def key(self) -> tuple[str, str, date]:
        """How a child is recognised on re-import: カナ and date of birth."""
        return (self.name.family_name_kana, self.name.given_name_kana, self.date_of_birth)


@dataclass(frozen=True)
class GuardianEntry:
    name: PersonEntry
    date_of_birth: date | None
    address: str | None
    home_phone: str | None
    mobile_phone: str | None
    employer_name: str | None
    employer_address: str | None
    employer_phone: str | None

    @property
    def key(self) -> tuple[str, ...] | None:
        """Siblings share a guardian with the same カナ and mobile (else address)."""
        contact = self.mobile_phone or self.address
        if contact is None:
            return None  # nothing to tell two namesakes apart: never shared
        return (self.name.family_name_kana, self.name.given_name_kana, contact)


@dataclass(frozen=True)
class RosterLine:
    row: int
    child: ChildEntry
    guardian: GuardianEntry
    relationship: str
    primary_contact: bool


class _RowCheck:
    """Runs one rule at a time, keeping every failure of the row instead of stopping."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def __call__(self, rule: Callable[[], T]) -> T:
        try:
            return rule()
        except InvalidInput as error:
            self.errors.append(RowError(self.row, error.message))
            return None  # type: ignore[return-value]  # only read when there are no errors


def parse_line(cells: RosterCells, *, today: date) -> RosterLine | list[RowError]:
    """The validated line, or every problem found in it."""
    check = _RowCheck(cells.row)
    child = _child(cells, check, today)
    guardian = _guardian(cells, check, today)
    relationship = check(
        lambda: require_text(cells.get("relationship"), field="続柄", max_length=50)
    )
    primary = check(lambda: _flag(cells.get("primary_contact"), field="主たる連絡先"))
    if check.errors:
        return check.errors
    return RosterLine(cells.row, child, guardian, relationship, primary)


def _child(cells: RosterCells, check: _RowCheck, today: date) -> ChildEntry:
    def born() -> date:
        value = _date(cells.get("date_of_birth"), "生年月日")
        return child_birth_date(value, today=today, field="生年月日")

    return ChildEntry(
        name=check(lambda: _person(cells, "child_name", "児童氏名", "child_kana", "児童カナ")),
        sex=check(lambda: _choice(cells.get("sex"), SEXES, field="性別")),
        date_of_birth=check(born),
        nationality=check(lambda: _text(cells, "nationality", "国籍", 100)),
        class_name=check(lambda: _text(cells, "class_name", "クラス", 50)),
        class_age=check(lambda: _age(cells.get("class_age"))),
        certified_hours=check(
            lambda: _choice(cells.get("certified_hours"), HOURS, field="保育時間")
        ),
    )


def _guardian(cells: RosterCells, check: _RowCheck, today: date) -> GuardianEntry:
    return GuardianEntry(
        name=check(
            lambda: _person(cells, "guardian_name", "保護者氏名", "guardian_kana", "保護者カナ")
        ),
        date_of_birth=check(lambda: _adult_birth(cells.get("guardian_birth"), today)),
        address=check(lambda: _text(cells, "address", "住所", 300)),
        home_phone=check(lambda: _phone(cells, "home_phone", "自宅電話")),
        mobile_phone=check(lambda: _phone(cells, "mobile_phone", "携帯電話")),
        employer_name=check(lambda: _text(cells, "employer_name", "勤務先", 200)),
        employer_address=check(lambda: _text(cells, "employer_address", "勤務先住所", 300)),
        employer_phone=check(lambda: _phone(cells, "employer_phone", "勤務先電話")),
    )


def _text(cells: RosterCells, key: str, field: str, max_length: int) -> str | None:
    return optional_text(cells.get(key), field=field, max_length=max_length)


def _phone(cells: RosterCells, key: str, field: str) -> str | None:
    # NFKC turns full-width digits and hyphens (０９０－…) into ASCII first.
    return optional_phone(_nfkc(cells.get(key)), field=field)


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _split(value: str, field: str) -> tuple[str, str]:
    parts = value.replace("\u3000", " ").split(None, 1)
    if len(parts) != 2:
        raise InvalidInput(f"{field} must separate family and given name with a space", field=field)
    return parts[0], parts[1]


def _person(
    cells: RosterCells, name_key: str, name_field: str, kana_key: str, kana_field: str
) -> PersonEntry:
    family, given = _split(
        require_text(cells.get(name_key), field=name_field, max_length=100), name_field
    )
    # NFKC widens half-width katakana (ﾔﾏﾀﾞ → ヤマダ), as ward systems often export it.
    kana = require_kana(_nfkc(cells.get(kana_key)), field=kana_field)
    family_kana, given_kana = _split(kana, kana_field)
    return PersonEntry(family, given, family_kana, given_kana)


def _date(value: str, field: str) -> date:
    text = _TIME_SUFFIX.sub("", _nfkc(value))
    if not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    western, era = _WESTERN_DATE.match(text), _ERA_DATE.match(text.upper().replace("元", "1"))
    try:
        if western:
            return date(int(western[1]), int(western[2]), int(western[3]))
        if era:
            return date(_ERA_BASE[era[1]] + int(era[2]), int(era[3]), int(era[4]))
    except ValueError:
        pass
    raise InvalidInput(f"{field} is not a date (write 2021/04/05)", field=field)


def _adult_birth(value: str, today: date) -> date | None:
    if not value.strip():
        return None
    return adult_birth_date(_date(value, "保護者生年月日"), today=today, field="保護者生年月日")


def _age(value: str) -> int | None:
    text = _nfkc(value)
    if not text:
        return None
    match = _AGE.match(text)
    if match is None:
        raise InvalidInput("年齢 must be a class age from 0 to 5", field="年齢")
    return int(match[1])


def _choice(value: str, choices: dict[str, str], *, field: str) -> str:
    text = _nfkc(value).upper()
    if text not in choices:
        allowed = " / ".join(k for k in choices if k and not k.isascii())
        raise InvalidInput(f"{field} must be one of {allowed}", field=field)
    return choices[text]


def _flag(value: str, *, field: str) -> bool:
    text = _nfkc(value).upper()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(f"{field} must be ○ or empty", field=field)
