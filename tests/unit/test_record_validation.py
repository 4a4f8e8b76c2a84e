"""Input rules for family records; each failure names the GraphQL field. Pure."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput
from domain.validation import (
    MAX_ALLERGIES,
    AllergyEntry,
    AllergySeverity,
    adult_birth_date,
    allergy_list,
    child_birth_date,
    optional_phone,
    optional_text,
    person_birth_date,
    require_kana,
    require_text,
)

TODAY = date(2026, 6, 15)


def field_of(error: pytest.ExceptionInfo[InvalidInput]) -> str | None:
    return error.value.field


@pytest.mark.parametrize("kana", ["ヤマダ", "やまだ", "ヤマダ タロウ", "オオノ・ハナ", "ユーリ"])
def test_kana_accepts_hiragana_and_katakana(kana: str) -> None:
    assert require_kana(kana, field="familyNameKana") == kana


@pytest.mark.parametrize("text", ["山田", "Yamada", "ﾔﾏﾀﾞ", "ヤマダ1", "", "   "])
def test_kana_refuses_anything_else(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        require_kana(text, field="familyNameKana")
    assert field_of(error) == "familyNameKana"


def test_text_is_trimmed_and_limited() -> None:
    assert require_text("  山田 ", field="familyName") == "山田"
    with pytest.raises(InvalidInput) as error:
        require_text("あ" * 101, field="familyName", max_length=100)
    assert field_of(error) == "familyName"


def test_blank_optional_text_clears() -> None:
    assert optional_text(None, field="healthStatus") is None
    assert optional_text("  ", field="healthStatus") is None


@pytest.mark.parametrize("phone", ["03-1234-5678", "090-1234-5678", "09012345678", "+81312345678"])
def test_phone_numbers(phone: str) -> None:
    assert optional_phone(phone, field="mobilePhone") == phone


@pytest.mark.parametrize("text", ["12345", "090-1234-567a", "phone", "+0123456789"])
def test_not_phone_numbers(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        optional_phone(text, field="mobilePhone")
    assert field_of(error) == "mobilePhone"


def test_child_birth_date_within_nursery_age() -> None:
    assert child_birth_date(date(2025, 1, 1), today=TODAY) == date(2025, 1, 1)
    assert child_birth_date(TODAY, today=TODAY) == TODAY
    for impossible in (date(2026, 6, 16), date(2015, 1, 1)):
        with pytest.raises(InvalidInput) as error:
            child_birth_date(impossible, today=TODAY)
        assert field_of(error) == "dateOfBirth"


def test_adult_birth_date_is_plausible() -> None:
    assert adult_birth_date(date(1990, 2, 3), today=TODAY) == date(1990, 2, 3)
    for impossible in (date(2020, 1, 1), date(1890, 1, 1), date(2027, 1, 1)):
        with pytest.raises(InvalidInput):
            adult_birth_date(impossible, today=TODAY)


def test_household_member_birth_date_any_age_but_not_future() -> None:
    assert person_birth_date(date(2026, 1, 1), today=TODAY) == date(2026, 1, 1)
    assert person_birth_date(date(1930, 1, 1), today=TODAY) == date(1930, 1, 1)
    with pytest.raises(InvalidInput) as error:
        person_birth_date(date(2026, 7, 1), today=TODAY, field="dateOfBirth")
    assert field_of(error) == "dateOfBirth"


def test_allergies_are_stored_as_allergen_severity_note() -> None:
    stored = allergy_list(
        [
            AllergyEntry(" 卵 ", AllergySeverity.COMPLETE_REMOVAL, "加熱卵も不可"),
            AllergyEntry("小麦", AllergySeverity.PARTIAL, "  "),
        ]
    )
    assert stored == [
        {"allergen": "卵", "severity": "complete_removal", "note": "加熱卵も不可"},
        {"allergen": "小麦", "severity": "partial", "note": None},
    ]
    assert allergy_list([]) == []


@pytest.mark.parametrize(
    "entries",
    [
        [AllergyEntry("", AllergySeverity.PARTIAL)],
        [AllergyEntry("卵", AllergySeverity.PARTIAL), AllergyEntry("卵", AllergySeverity.PARTIAL)],
        [AllergyEntry("卵", AllergySeverity.PARTIAL, "あ" * 201)],
        [AllergyEntry(f"食品{n}", AllergySeverity.PARTIAL) for n in range(MAX_ALLERGIES + 1)],
    ],
    ids=["empty allergen", "duplicate", "long note", "too many"],
)
def test_bad_allergies_name_the_field(entries: list[AllergyEntry]) -> None:
    with pytest.raises(InvalidInput) as error:
        allergy_list(entries)
    assert field_of(error) == "allergies"
