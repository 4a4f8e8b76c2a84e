"""Demo data for ``hoiku seed --demo``: deterministic Japanese identities."""

from persistence.demo.names import (
    JAPAN,
    SEXES,
    DemoIdentities,
    Employer,
    FamilyName,
    PersonName,
    class_age,
    class_birth_window,
    classroom_name,
    facility_names,
    legal_age,
)

__all__ = [
    "JAPAN",
    "SEXES",
    "DemoIdentities",
    "Employer",
    "FamilyName",
    "PersonName",
    "class_age",
    "class_birth_window",
    "classroom_name",
    "facility_names",
    "legal_age",
]
