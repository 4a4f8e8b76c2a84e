"""配置基準 per room: national ratios, facility overrides, mixed ages, minimum two."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput
from domain.staffing import (
    RatioChange,
    Staffing,
    assess,
    class_age,
    ratio_change,
    ratios_with,
    staff_required,
)


@pytest.mark.parametrize(
    ("ages", "required"),
    [
        ([], 0),
        ([3], 2),  # one child present still needs two staff
        ([0] * 3, 2),
        ([0] * 7, 3),  # 7/3 → 3
        ([0] * 9, 3),
        ([0] * 10, 4),
        ([1] * 12, 2),
        ([2] * 13, 3),
        ([3] * 30, 2),
        ([3] * 31, 3),
        ([4] * 50, 2),
        ([5] * 51, 3),
    ],
)
def test_single_age_rooms(ages: list[int], required: int) -> None:
    assert staff_required(ages) == required


def test_mixed_age_room_is_computed_per_child() -> None:
    # 2 × 1/3 + 4 × 1/6 + 10 × 1/15 = 2/3 + 2/3 + 2/3 = 2 exactly: no rounding drift.
    assert staff_required([0, 0] + [1, 2, 1, 2] + [3] * 10) == 2
    # one more 3-year-old tips it over 2.
    assert staff_required([0, 0] + [1, 2, 1, 2] + [3] * 11) == 3


def test_facility_override_is_stricter() -> None:
    ratios = ratios_with({"1": 5})
    assert staff_required([1] * 11, ratios) == 3
    assert staff_required([1] * 11) == 2


@pytest.mark.parametrize("bad", [{"7": 3}, {"1": 0}])
def test_invalid_override_is_rejected(bad: dict[str, int]) -> None:
    with pytest.raises(InvalidInput) as error:
        ratios_with(bad)
    assert error.value.field == "staffRatios"


@pytest.mark.parametrize(
    ("born", "fiscal_year", "age"),
    [
        (date(2022, 4, 1), 2025, 3),  # a 1 April birthday belongs to the older year
        (date(2021, 4, 2), 2025, 3),
        (date(2021, 4, 1), 2025, 4),
        (date(2025, 6, 1), 2025, 0),  # born during the year: the 0-year class
        (date(2018, 5, 1), 2025, 5),  # clamped
    ],
)
def test_class_age_is_the_age_on_1_april(born: date, fiscal_year: int, age: int) -> None:
    assert class_age(born, fiscal_year) == age


def test_short_and_crossings() -> None:
    fine = assess([0] * 6, staff_present=2)
    short = assess([0] * 7, staff_present=2)
    assert not fine.short and short.short
    assert ratio_change(fine, short) is RatioChange.BECAME_SHORT
    assert ratio_change(short, assess([0] * 8, staff_present=2)) is None
    assert ratio_change(short, assess([0] * 7, staff_present=3)) is RatioChange.RESTORED
    assert ratio_change(Staffing(0, 0, 0), fine) is None
