"""The whole demo ward as rows, before anything touches the database.

Pure and deterministic: the same ``seed``, fiscal year and scale give the same
rows (names, ids, dates) in every process. Only the password hash and the
ciphertext of special-care items differ between runs, both by design (salts
and nonces).
"""

from __future__ import annotations

from collections.abc import Callable

from persistence.demo.allocation import DemoScale, group_into_families, places_by_facility
from persistence.demo.families import FamilyFactory
from persistence.demo.names import DemoIdentities
from persistence.demo.organisation import (
    add_facility,
    add_guardian_accounts,
    add_staff_accounts,
    add_ward,
)
from persistence.demo.rows import DemoRows

DEMO_SEED = 2026

OnFacilityPlanned = Callable[[str], None]


def plan_demo_ward(
    *,
    fiscal_year: int,
    password_hash: str,
    scale: DemoScale | None = None,
    seed: int = DEMO_SEED,
    on_facility: OnFacilityPlanned | None = None,
) -> DemoRows:
    """Every row of the demo ward for ``fiscal_year``; ``on_facility(code)`` after each."""
    scale = scale or DemoScale()
    identities = DemoIdentities(seed=seed)
    rows = DemoRows()
    families = FamilyFactory(identities, rows, fiscal_year)
    ward_id = add_ward(rows, password_hash)
    for number, places in enumerate(places_by_facility(identities.rng, scale), start=1):
        facility = add_facility(rows, ward_id, number, fiscal_year)
        first_guardian = len(rows.guardians)
        for ages in group_into_families(identities.rng, places):
            families.build(facility.id, facility.classrooms, ages)
        add_staff_accounts(rows, identities, facility, password_hash)
        add_guardian_accounts(rows, facility, rows.guardians[first_guardian:], password_hash)
        if on_facility is not None:
            on_facility(facility.code)
    return rows
