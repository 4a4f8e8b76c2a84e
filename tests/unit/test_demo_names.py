"""Demo identities: deterministic, well-formed Japanese names, contacts and class ages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.validation import optional_phone, require_kana
from persistence.demo import name_data as data
from persistence.demo.names import (
    FEMALE,
    MALE,
    SEXES,
    DemoIdentities,
    PersonName,
    class_age,
    class_birth_window,
    classroom_name,
    facility_names,
    legal_age,
)

KANA = re.compile(r"^[\u30A0-\u30FF\u3040-\u309F ー]+$")
MOBILE = re.compile(r"^0[789]0-[1-9]\d{3}-\d{4}$")
TOKYO = re.compile(r"^03-[356]\d{3}-\d{4}$")
REPO = Path(__file__).resolve().parents[2]


def _sample(seed: int, count: int = 500) -> list[tuple[object, ...]]:
    ids = DemoIdentities(seed)
    rows: list[tuple[object, ...]] = []
    for _ in range(count):
        family = ids.family(ids.nationality())
        sex = ids.sex()
        child = ids.child_name(family, sex)
        rows.append(
            (
                child,
                sex,
                family.nationality,
                ids.date_of_birth_for_age(3, 2026),
                ids.adult_name(family, FEMALE),
                ids.address(),
                ids.mobile_phone(),
                ids.home_phone(),
                ids.employer(),
                json.dumps(ids.allergies(), ensure_ascii=False),
                ids.family_doctor(),
                ids.health_status(),
            )
        )
    return rows


def _all_readings() -> list[tuple[str, str]]:
    readings = [
        *data.FAMILY_NAMES,
        *data.BOY_NAMES,
        *data.GIRL_NAMES,
        *data.MAN_NAMES,
        *data.WOMAN_NAMES,
        *data.TOWNS,
        *data.FACILITY_STEMS,
        *data.CLASSROOMS,
        *facility_names(),
    ]
    for lists in data.FOREIGN_NAMES.values():
        for names in lists.values():
            readings.extend(names)
    return readings


def test_same_seed_gives_the_same_500_children() -> None:
    assert _sample(7) == _sample(7)


def test_different_seeds_differ() -> None:
    first, second = _sample(7), _sample(8)
    assert first != second
    assert sum(a[0] != b[0] for a, b in zip(first, second, strict=True)) > 400


def test_output_does_not_depend_on_the_process_or_hash_seed() -> None:
    script = (
        "import hashlib, sys; sys.path.insert(0, 'tests/unit');"
        "from test_demo_names import _sample;"
        "print(hashlib.sha256(repr(_sample(11, 200)).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_every_reading_is_kana_and_passes_the_api_check() -> None:
    for written, kana in _all_readings():
        assert KANA.match(kana), (written, kana)
        assert require_kana(kana, field="kana") == kana


def test_generated_names_are_kana_with_a_space_between() -> None:
    ids = DemoIdentities()
    for _ in range(300):
        family = ids.family(ids.nationality())
        for name in (ids.child_name(family, ids.sex()), ids.adult_name(family, ids.sex())):
            assert KANA.match(name.full_kana)
            assert name.full == f"{name.family} {name.given}"
            assert name.full_kana == f"{name.family_kana} {name.given_kana}"


def test_person_name_formats() -> None:
    name = PersonName("佐藤", "陽翔", "サトウ", "ハルト")
    assert (name.full, name.full_kana) == ("佐藤 陽翔", "サトウ ハルト")


@pytest.mark.parametrize(
    "names",
    [
        data.FAMILY_NAMES,
        data.BOY_NAMES,
        data.GIRL_NAMES,
        data.MAN_NAMES,
        data.WOMAN_NAMES,
        data.TOWNS,
        data.FACILITY_STEMS,
        data.CLASSROOMS,
        data.FAMILY_DOCTORS,
        data.HEALTH_NOTES,
        data.BUILDINGS,
        data.INSTITUTIONS,
        data.EMPLOYER_WORDS,
        data.EMPLOYER_TRADES,
        [a for a, _, _ in data.ALLERGENS],
        [n for n, _ in data.NATIONALITY_WEIGHTS],
    ],
)
def test_curated_lists_have_no_duplicates(names: tuple[object, ...]) -> None:
    assert len(names) == len(set(names))
    written = [n[0] if isinstance(n, tuple) else n for n in names]
    assert len(written) == len(set(written))


def test_curated_lists_are_large_enough_and_sexes_do_not_share_names() -> None:
    assert len(data.FAMILY_NAMES) >= 150
    assert len(data.BOY_NAMES) >= 120 and len(data.GIRL_NAMES) >= 120
    assert len(data.MAN_NAMES) >= 60 and len(data.WOMAN_NAMES) >= 60
    assert not {g for g, _ in data.BOY_NAMES} & {g for g, _ in data.GIRL_NAMES}
    assert not {g for g, _ in data.MAN_NAMES} & {g for g, _ in data.WOMAN_NAMES}
    for lists in data.FOREIGN_NAMES.values():
        for names in lists.values():
            assert len(names) == len(set(names))


def test_phone_numbers_have_japanese_formats() -> None:
    ids = DemoIdentities(3)
    for _ in range(500):
        mobile, home, work = ids.mobile_phone(), ids.home_phone(), ids.employer().phone
        assert MOBILE.match(mobile), mobile
        assert TOKYO.match(home), home
        assert TOKYO.match(work), work
        for phone in (mobile, home, work):
            assert optional_phone(phone, field="phone") == phone


def test_addresses_are_in_the_fictional_ward() -> None:
    ids = DemoIdentities(4)
    home = re.compile(r"^東京都架空区\S+?[1-5]丁目\d+番\d+号( \S+\d{3})?$")
    for _ in range(300):
        assert home.match(ids.address())
        employer = ids.employer()
        assert employer.address.startswith(("東京都架空区", "東京都ほいく区", "東京都見本区"))
        assert ids.employer() is not None


def test_an_employer_name_always_has_the_same_address() -> None:
    ids = DemoIdentities(5)
    seen: dict[str, tuple[str, str]] = {}
    for _ in range(2000):
        e = ids.employer()
        assert seen.setdefault(e.name, (e.address, e.phone)) == (e.address, e.phone)
    assert len(seen) < 2000  # coworkers share employers


def test_nationalities_are_mostly_japanese_and_names_follow_them() -> None:
    ids = DemoIdentities(6)
    drawn = [ids.nationality() for _ in range(5000)]
    assert 0.9 < drawn.count("日本") / len(drawn) < 0.99
    assert {"中国", "ベトナム", "フィリピン", "ネパール", "ブラジル"} <= set(drawn)
    family = ids.family("ベトナム")
    assert family.nationality == "ベトナム"
    assert family.name in {n for n, _ in data.FOREIGN_NAMES["ベトナム"]["family"]}
    assert ids.child_name(family, MALE).given in {
        g for g, _ in data.FOREIGN_NAMES["ベトナム"]["boy"]
    }
    spouse = ids.adult_name(ids.family(), FEMALE, nationality="フィリピン")
    assert spouse.given in {g for g, _ in data.FOREIGN_NAMES["フィリピン"]["woman"]}


def test_siblings_never_share_a_given_name_or_reading() -> None:
    ids = DemoIdentities(8)
    family = ids.family()
    children: list[PersonName] = []
    for _ in range(30):
        children.append(ids.child_name(family, MALE, siblings=children))
    assert len({c.given for c in children}) == 30
    assert len({c.given_kana for c in children}) == 30


def test_unknown_sex_is_refused() -> None:
    ids = DemoIdentities()
    with pytest.raises(ValueError):
        ids.child_name(ids.family(), "boy")
    assert set(SEXES) == {MALE, FEMALE}


def test_allergies_are_rare_known_and_removed_completely() -> None:
    ids = DemoIdentities(9)
    lists = [ids.allergies() for _ in range(3000)]
    with_allergy = [a for a in lists if a]
    assert 0.03 < len(with_allergy) / len(lists) < 0.10
    allergens = {a for a, _, _ in data.ALLERGENS}
    assert allergens == {"卵", "乳", "小麦", "えび", "そば", "落花生"}
    for found in with_allergy:
        assert len({a["allergen"] for a in found}) == len(found)
        for allergy in found:
            assert set(allergy) == {"allergen", "severity", "note"}
            assert allergy["allergen"] in allergens
            assert allergy["severity"] == "complete_removal"
            assert allergy["note"]


def test_health_status_is_usually_absent() -> None:
    ids = DemoIdentities(10)
    notes = [ids.health_status() for _ in range(2000)]
    assert 0.75 < notes.count(None) / len(notes) < 0.95
    assert {n for n in notes if n} <= set(data.HEALTH_NOTES)
    assert ids.family_doctor() in data.FAMILY_DOCTORS


def test_facilities_and_classrooms() -> None:
    facilities = facility_names()
    assert len(facilities) == len(set(facilities)) == 25
    assert facilities[0] == ("区立さくら保育園", "クリツサクラホイクエン")
    assert all(n.startswith("区立") and n.endswith("保育園") for n, _ in facilities)
    assert DemoIdentities().facility_names() == facilities
    assert [classroom_name(age)[0] for age in range(6)] == [
        "ひよこ組",
        "りす組",
        "うさぎ組",
        "ぱんだ組",
        "きりん組",
        "ぞう組",
    ]
    with pytest.raises(ValueError):
        classroom_name(6)


@pytest.mark.parametrize(
    ("born", "fiscal_year", "age"),
    [
        (date(2020, 4, 1), 2026, 6),  # 1 April: reaches 6 at the end of 31 March
        (date(2020, 4, 2), 2026, 5),  # 2 April: only at the end of 1 April
        (date(2021, 4, 1), 2026, 5),
        (date(2021, 4, 2), 2026, 4),
        (date(2021, 3, 31), 2026, 5),
        (date(2025, 4, 2), 2026, 0),
        (date(2026, 4, 1), 2026, 0),
        (date(2020, 2, 29), 2026, 6),
        (date(2024, 2, 29), 2025, 1),
    ],
)
def test_class_age_is_the_age_on_1_april(born: date, fiscal_year: int, age: int) -> None:
    assert class_age(born, fiscal_year) == age


def test_legal_age_for_a_leap_day_birthday() -> None:
    born = date(2024, 2, 29)
    assert legal_age(born, date(2025, 2, 28)) == 0
    assert legal_age(born, date(2025, 3, 1)) == 1
    assert legal_age(born, date(2028, 2, 29)) == 4


@pytest.mark.parametrize("age", range(6))
def test_birth_window_is_2_april_to_1_april(age: int) -> None:
    first, last = class_birth_window(age, 2026)
    assert (first, last) == (date(2025 - age, 4, 2), date(2026 - age, 4, 1))
    assert class_age(first, 2026) == class_age(last, 2026) == age
    assert class_age(first - timedelta(days=1), 2026) == age + 1
    assert class_age(last + timedelta(days=1), 2026) == age - 1


@pytest.mark.parametrize("age", range(6))
def test_date_of_birth_for_age_lands_in_the_class(age: int) -> None:
    ids = DemoIdentities(12)
    births = [ids.date_of_birth_for_age(age, 2026) for _ in range(400)]
    assert all(class_age(b, 2026) == age for b in births)
    assert len({b.month for b in births}) == 12


def test_date_of_birth_for_age_respects_latest() -> None:
    ids = DemoIdentities(13)
    latest = date(2025, 10, 1)
    assert all(ids.date_of_birth_for_age(0, 2026, latest=latest) <= latest for _ in range(200))
    with pytest.raises(ValueError):
        ids.date_of_birth_for_age(0, 2026, latest=date(2025, 4, 1))
    with pytest.raises(ValueError):
        ids.date_of_birth_for_age(6, 2026)


def test_adult_dates_of_birth_are_1980_to_1995() -> None:
    ids = DemoIdentities(14)
    assert all(1980 <= ids.adult_date_of_birth().year <= 1995 for _ in range(500))
