"""GraphQL enums."""

from __future__ import annotations

import enum

import strawberry

from domain.roles import Role as DomainRole

Role = strawberry.enum(DomainRole, name="Role", description="What a signed-in account is.")


@strawberry.enum(description="Sex as recorded on the child's record.")
class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


@strawberry.enum(description="Certified care hours (保育必要量).")
class CertifiedHours(enum.StrEnum):
    STANDARD = "standard"  # 保育標準時間, up to 11 h
    SHORT = "short"  # 保育短時間, up to 8 h
