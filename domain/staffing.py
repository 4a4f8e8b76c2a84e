"""Staffing ratios (配置基準, 設備運営基準 第33条), computed per room.

National minimum children per staff member by class age: 0 → 3, 1–2 → 6,
3 → 15, 4–5 → 25 (3–5 as revised from 2024-04-01). A facility may set
stricter ratios. Mixed-age rooms are computed per child: each child needs
``1 / ratio(age)`` of a staff member, and the room needs the ceiling of the
sum. The same standard requires at least two staff at all times; we read that
as "whenever any child is present", so:

    required = max(2, ceil(sum over present children of 1 / ratio(age)))
               when at least one child is present, else 0.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from domain.errors import InvalidInput

NATIONAL_RATIOS: Final[Mapping[int, int]] = {0: 3, 1: 6, 2: 6, 3: 15, 4: 25, 5: 25}
MINIMUM_STAFF: Final = 2
OLDEST_CLASS_AGE: Final = 5


def ratios_with(overrides: Mapping[str, int] | None) -> dict[int, int]:
    """The national ratios with a facility's overrides (keys are ages as text, from JSON)."""
    ratios = dict(NATIONAL_RATIOS)
    for age_text, children_per_staff in (overrides or {}).items():
        age = int(age_text)
        if age not in ratios or int(children_per_staff) < 1:
            raise InvalidInput(f"staff ratio for age {age_text} is not valid", field="staffRatios")
        ratios[age] = int(children_per_staff)
    return ratios


def class_age(date_of_birth: date, fiscal_year: int) -> int:
    """Age on 1 April of the fiscal year (a birthday on 1 April counts), clamped to 0–5."""
    start = date(fiscal_year, 4, 1)
    age = start.year - date_of_birth.year - ((start.month, start.day) < _month_day(date_of_birth))
    return min(max(age, 0), OLDEST_CLASS_AGE)


def _month_day(day: date) -> tuple[int, int]:
    return (day.month, day.day)


def staff_required(ages: Iterable[int], ratios: Mapping[int, int] = NATIONAL_RATIOS) -> int:
    # Exact arithmetic in whole units of 1/lcm(ratios): every 1/ratio is a whole number of
    # them, so 3 × 1/3 is exactly one staff member (floats would drift), and it stays cheap
    # enough to run on every stamp.
    unit = math.lcm(*ratios.values())
    share = sum(unit // ratios[age] for age in ages)
    if share == 0:
        return 0
    return max(MINIMUM_STAFF, -(-share // unit))


@dataclass(frozen=True, slots=True)
class Staffing:
    children_present: int
    staff_present: int
    staff_required: int

    @property
    def short(self) -> bool:
        return self.staff_present < self.staff_required


def assess(
    ages_present: Iterable[int], staff_present: int, ratios: Mapping[int, int] = NATIONAL_RATIOS
) -> Staffing:
    ages = list(ages_present)
    return Staffing(len(ages), staff_present, staff_required(ages, ratios))


class RatioChange(enum.Enum):
    BECAME_SHORT = "became_short"
    RESTORED = "restored"


def ratio_change(before: Staffing, after: Staffing) -> RatioChange | None:
    """Only crossings raise anything: a room that stays short does not alert again."""
    if after.short and not before.short:
        return RatioChange.BECAME_SHORT
    if before.short and not after.short:
        return RatioChange.RESTORED
    return None
