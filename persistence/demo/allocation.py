"""How many children each demo class holds, and which of them are siblings.

Pure arithmetic over a ``random.Random``: the ward's total is split over
facilities × ages by largest remainder (so it is exact), then each facility's
places are grouped into families. Siblings sit in classes at least two ages
apart, so their dates of birth are at least a year apart.

Why siblings are rarer than in a real nursery: PRODUCT.md fixes 2,524 children and
about 5,000 guardians. With two guardians for most families, guardians ≈ 1.96 ×
families, so families must be ≈ 2,350+ and a family brings ≈ 1.07 children on
average; ~15% of families with two children (and a few with three) would leave
only ≈ 4,200 guardians. These rates give ≈ 4,650.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import combinations, pairwise

WARD_CHILDREN = 2524
WARD_FACILITIES = 25
AGES = range(6)
# Share of places by class age in a ward-run nursery: few babies, full 3–5 classes.
AGE_WEIGHTS = (7, 15, 17, 20, 20, 21)
# Facilities differ in size (a small 60-place house to a 130-place centre).
SIZE_RANGE = (0.7, 1.3)
TWO_SIBLING_RATE = 0.05  # families with two children at the facility
THREE_SIBLING_RATE = 0.005  # … with three
MIN_SIBLING_AGE_GAP = 2


@dataclass(frozen=True)
class DemoScale:
    """The size of the demo ward; tests use a smaller one for speed."""

    facilities: int = WARD_FACILITIES
    children: int = WARD_CHILDREN

    @classmethod
    def reduced(cls, facilities: int) -> DemoScale:
        """The same children per facility as the full ward, on fewer facilities."""
        return cls(facilities, round(WARD_CHILDREN * facilities / WARD_FACILITIES))


def places_by_facility(rng: random.Random, scale: DemoScale) -> list[list[int]]:
    """Children per class age for each facility; sums to exactly ``scale.children``."""
    sizes = [rng.uniform(*SIZE_RANGE) for _ in range(scale.facilities)]
    weights = [size * age_weight for size in sizes for age_weight in AGE_WEIGHTS]
    counts = _apportion(scale.children, weights)
    width = len(AGE_WEIGHTS)
    return [counts[i : i + width] for i in range(0, len(counts), width)]


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``; ties by index."""
    whole = sum(weights)
    quotas = [total * w / whole for w in weights]
    counts = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def group_into_families(rng: random.Random, places: list[int]) -> list[tuple[int, ...]]:
    """Fill a facility's places with families; each family is its children's class
    ages, eldest first. Every place is used exactly once."""
    remaining = list(places)
    families: list[tuple[int, ...]] = []
    while sum(remaining):
        wanted = _family_size(rng)
        ages = _sibling_ages(rng, remaining, wanted) if wanted > 1 else None
        if ages is None and wanted == 3:
            ages = _sibling_ages(rng, remaining, 2)
        ages = ages or (_weighted_age(rng, remaining),)
        for age in ages:
            remaining[age] -= 1
        families.append(ages)
    return families


def _family_size(rng: random.Random) -> int:
    draw = rng.random()
    if draw < THREE_SIBLING_RATE:
        return 3
    return 2 if draw < THREE_SIBLING_RATE + TWO_SIBLING_RATE else 1


def _sibling_ages(rng: random.Random, remaining: list[int], size: int) -> tuple[int, ...] | None:
    """Ages for ``size`` siblings in classes with free places, two ages apart or more."""
    options = [
        combo
        for combo in combinations(AGES, size)
        if all(b - a >= MIN_SIBLING_AGE_GAP for a, b in pairwise(combo))
        and all(remaining[age] > 0 for age in combo)
    ]
    if not options:
        return None
    weights = [math.prod(remaining[age] for age in combo) for combo in options]
    chosen = rng.choices(options, weights=weights)[0]
    return tuple(sorted(chosen, reverse=True))


def _weighted_age(rng: random.Random, remaining: list[int]) -> int:
    return rng.choices(list(AGES), weights=remaining)[0]
